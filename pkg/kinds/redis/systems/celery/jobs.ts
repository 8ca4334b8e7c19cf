/**
 * Job lists for Celery, bounded by the query's limit:
 *   waiting / delayed / retry   LLEN ×10 per queue, then LRANGE from the right end (the
 *                               next message a worker takes) of each priority list in
 *                               BRPOP order, at most `perQueue` messages per queue; a
 *                               list element has no length command, so these are read
 *                               whole (bounded in count, not in bytes)
 *   active / stalled / delayed / retry   the unacknowledged messages (unacked.ts)
 *   failed / completed          the result backend (results.ts), by date_done in range
 *   dead                        none: kombu's Redis transport has no dead-letter queue
 */
import type { JobsOptions, ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { JobRow, matchesSearch } from '../../../../reading/rows';
import { describePayload } from '../../../../reading/payload';
import { Binding, priorityLists } from './keys';
import { CeleryMessage, parseMessage } from './message';
import { isDelayed, readUnacked } from './unacked';
import { readResults, resultsForQueues, TaskResult } from './results';

/** A message on a queue list; `list` 0 is the base list, 1–9 the priority lists. */
export interface QueuedMessage {
  queue: string;
  list: number;
  message: CeleryMessage;
}

/**
 * Messages waiting in the queue lists, next-to-run first, at most `perQueue` per queue.
 * `sizes` (LLEN of each queue's ten lists, in order) saves a round trip when known.
 */
export async function readWaiting(
  ctx: ReadContext,
  queues: string[],
  perQueue: number,
  sizes?: number[]
): Promise<QueuedMessage[]> {
  if (queues.length === 0) {
    return [];
  }
  if (!sizes) {
    const lens = ctx.client.pipeline();
    queues.forEach((q) => priorityLists(q).forEach((k) => lens.llen(k)));
    sizes = (await execPipeline(lens)).map((r) => numberOf(r) ?? 0);
  }
  const p = ctx.client.pipeline();
  const plan: Array<{ queue: string; list: number }> = [];
  queues.forEach((queue, i) => {
    let budget = perQueue;
    priorityLists(queue).forEach((key, j) => {
      const n = Math.min(budget, sizes![i * 10 + j]);
      if (n > 0) {
        p.lrange(key, -n, -1);
        plan.push({ queue, list: j });
        budget -= n;
      }
    });
  });
  if (plan.length === 0) {
    return [];
  }
  const out: QueuedMessage[] = [];
  let bad = 0;
  (await execPipeline(p)).forEach((r, j) => {
    const items = value<string[]>(r) ?? [];
    for (const raw of [...items].reverse()) {
      const message = parseMessage(raw, ctx.payloadLimit);
      if (message) {
        out.push({ ...plan[j], message });
      } else {
        bad++;
        out.push({ ...plan[j], message: { payload: describePayload(raw, ctx.payloadLimit) } });
      }
    }
  });
  if (bad) {
    ctx.notice('warning', `${bad} queued message(s) are not Celery/kombu envelopes; shown raw`);
  }
  return out;
}

function messageRow(queue: string, m: CeleryMessage, state: string, deliveredAt?: number): JobRow {
  return {
    queue,
    id: m.id ?? m.deliveryTag ?? '(no id)',
    name: m.task,
    state,
    attempts: m.retries,
    processedAt: deliveredAt,
    payload: m.payload,
    traceId: m.traceId,
  };
}

function resultRow(r: TaskResult & { queue: string }, payloadLimit: number): JobRow {
  const args =
    r.args !== undefined || r.kwargs !== undefined ? JSON.stringify([r.args ?? null, r.kwargs ?? null]) : undefined;
  return {
    queue: r.queue,
    id: r.id,
    name: r.name,
    state: r.status === 'SUCCESS' ? 'completed' : 'failed',
    attempts: r.retries,
    finishedAt: r.doneAt,
    error: r.excType ? `${r.excType}: ${r.excMessage ?? ''}` : undefined,
    stacktrace: r.traceback,
    payload:
      args !== undefined
        ? describePayload(args, payloadLimit)
        : r.value !== undefined
          ? describePayload(r.value, payloadLimit)
          : undefined,
  };
}

export async function listJobs(
  ctx: ReadContext,
  queues: string[],
  options: JobsOptions,
  bindings: Binding[],
  visibilityTimeoutS: number
): Promise<JobRow[]> {
  const { state, search } = options;
  const perQueue = search || state !== 'waiting' ? Math.min(ctx.limit * 10, 5000) : ctx.limit;
  let rows: JobRow[] = [];
  switch (state) {
    case 'dead':
      ctx.notice('info', "Celery's Redis transport has no dead-letter queue: failed tasks are listed under failed");
      return [];
    case 'failed':
    case 'completed': {
      const status = state === 'failed' ? 'FAILURE' : 'SUCCESS';
      const { results } = await readResults(ctx);
      rows = resultsForQueues(ctx, results, queues)
        .filter((r) => r.status === status && (r.doneAt === undefined || (r.doneAt >= ctx.from && r.doneAt <= ctx.to)))
        .sort((a, b) => (b.doneAt ?? 0) - (a.doneAt ?? 0))
        .map((r) => resultRow(r, ctx.payloadLimit));
      break;
    }
    case 'waiting':
    case 'delayed':
    case 'retry':
    case 'active':
    case 'stalled': {
      const wanted = new Set(queues);
      if (state === 'waiting' || state === 'delayed' || state === 'retry') {
        for (const { queue, message } of await readWaiting(ctx, queues, perQueue)) {
          const delayed = isDelayed(message, ctx.now);
          const include = state === 'waiting' ? !delayed : state === 'delayed' ? delayed : (message.retries ?? 0) > 0;
          if (include) {
            rows.push(messageRow(queue, message, state === 'retry' ? 'retry' : delayed ? 'delayed' : 'waiting'));
          }
        }
      }
      if (state !== 'waiting') {
        const stalledBefore = ctx.now - visibilityTimeoutS * 1000;
        const unacked = await readUnacked(ctx, bindings, visibilityTimeoutS);
        for (const e of unacked.entries) {
          const m = e.message!;
          const delayed = isDelayed(m, ctx.now);
          const stalled = !delayed && e.deliveredAt < stalledBefore;
          const include =
            state === 'active'
              ? !delayed
              : state === 'stalled'
                ? stalled
                : state === 'delayed'
                  ? delayed
                  : (m.retries ?? 0) > 0;
          for (const queue of e.queues.filter((q) => wanted.has(q))) {
            if (include) {
              rows.push(
                messageRow(
                  queue,
                  m,
                  state === 'retry' ? 'retry' : stalled ? 'stalled' : delayed ? 'delayed' : 'active',
                  e.deliveredAt
                )
              );
            }
          }
        }
      }
      break;
    }
  }
  return rows.filter((r) => matchesSearch(r, search)).slice(0, ctx.limit);
}
