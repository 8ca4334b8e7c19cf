/**
 * Job lists and failure groups for Bull. Job hashes are BullMQ's (same fields, JSON
 * `stacktrace` array, `opts` JSON), so rounds 2 and 3 are bullmq/jobs.ts's readJobs
 * (HSTRLEN before any body, bodies over 1 MB reported by size). Round 1 differs — where
 * Bull keeps each state — and is declared here; bullmq/jobs.ts's readIdLists sends it, one
 * pipeline for every queue, each read bounded:
 *   failed / dead, completed: ZREVRANGEBYSCORE by finish time in range LIMIT 0 n
 *   delayed: ZRANGE delayed 0 n-1 (soonest first)
 *   waiting: LRANGE wait -n -1 and LRANGE paused -n -1 (next to run first)
 *   retry: delayed, wait and paused as above, kept when attemptsMade > 0 (a failed
 *     attempt with backoff goes to delayed, without backoff straight back to wait)
 *   active / stalled: LRANGE active 0 n-1 (stalled: those whose lock is gone)
 */
import type { JobsOptions, ReadContext } from '../../job-system';
import type { FailureGroup, JobRow } from '../../../../reading/rows';
import { failureGroups, IdRead, JobRef, listJobs, readIdLists } from '../bullmq/jobs';

type Read = IdRead & { state: string };

function readsFor(state: JobsOptions['state']): Read[] {
  switch (state) {
    case 'failed':
    case 'dead': // Bull's failed set holds the jobs that used up their attempts: its DLQ
      return [{ kind: 'zrevrange', suffix: 'failed', state }];
    case 'completed':
      return [{ kind: 'zrevrange', suffix: 'completed', state }];
    case 'delayed':
      return [{ kind: 'zrange', suffix: 'delayed', state }];
    case 'retry':
      return [
        { kind: 'zrange', suffix: 'delayed', state: 'delayed' },
        { kind: 'lrange-tail', suffix: 'wait', state: 'waiting' },
        { kind: 'lrange-tail', suffix: 'paused', state: 'waiting' },
      ];
    case 'waiting':
      return [
        { kind: 'lrange-tail', suffix: 'wait', state },
        { kind: 'lrange-tail', suffix: 'paused', state },
      ];
    case 'active':
    case 'stalled':
      return [{ kind: 'lrange-head', suffix: 'active', state }];
  }
  return [];
}

/** Round 1 for Bull: ids per state, at most `perQueue` per queue. */
export async function bullJobIds(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  state: JobsOptions['state'],
  perQueue: number
): Promise<JobRef[]> {
  const reads = readsFor(state);
  if (queues.length === 0 || reads.length === 0) {
    return [];
  }
  const lists = await readIdLists(ctx, prefix, queues, reads, perQueue);
  return queues.flatMap((queue, i) => {
    const refs: JobRef[] = [];
    reads.forEach((r, j) => {
      const { ids, error } = lists[i][j];
      if (error) {
        ctx.notice('warning', `${queue}: ${r.suffix}: ${error.message}`);
      }
      ids.forEach((id) => refs.push({ queue, id: String(id), state: r.state }));
    });
    return refs.slice(0, perQueue * (state === 'retry' ? reads.length : 1));
  });
}

export function listBullJobs(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  options: JobsOptions
): Promise<JobRow[]> {
  return listJobs(ctx, prefix, queues, options, bullJobIds);
}

export function bullFailureGroups(ctx: ReadContext, prefix: string, queues: string[]): Promise<FailureGroup[]> {
  return failureGroups(ctx, prefix, queues, bullJobIds);
}
