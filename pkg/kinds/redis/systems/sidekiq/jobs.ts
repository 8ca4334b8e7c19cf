/**
 * Job lists and failure samples for Sidekiq, one pipelined round trip per list (plus the
 * process rounds of processes.ts for active/stalled), every read bounded:
 *   waiting   LRANGE queue:<q> -n -1 per queue (oldest first)
 *   delayed   ZRANGE schedule 0 n-1 (soonest first)      ┐ one set for all queues:
 *   retry     ZRANGE retry 0 n-1 (next attempt first)    │ read up to SCAN_DEPTH
 *   dead      ZREVRANGE dead 0 n-1 (newest death first)  ┘ entries, filtered by queue
 *   failed    retry + dead entries whose last failure is in the time range (dead by
 *             ZREVRANGEBYSCORE on its death-time score, with LIMIT)
 *   active / stalled  work entries of every process / of stale processes
 *   completed Sidekiq does not keep finished jobs: empty, with a notice
 * Lists and sorted sets hold the job JSON itself: Redis cannot tell an element's size
 * before sending it, so the count is bounded, not the bytes (Sidekiq's own API reads the
 * same way). Big entries are shown by size and preview, never parsed past MAX_PARSE_BYTES.
 */
import type { JobsOptions, ReadContext } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { JobRow } from '../../../../reading/rows';
import type { FailureSample } from '../../../../reading/failure-reasons';
import { sidekiqKey } from './keys';
import { failedAtMs, jobRow, parseJob } from './job-record';
import { matchesSearch } from '../../../../reading/rows';
import { readProcesses } from './processes';

/** Entries of a shared sorted set read at most, to find a page of the asked queues' jobs. */
export const SCAN_DEPTH = 5000;

type SetName = 'schedule' | 'retry' | 'dead';

interface SetEntry {
  raw: Buffer;
  score: number;
}

/** Reads entries of the shared sorted sets, newest/soonest first, in one round trip. */
async function readSets(
  ctx: ReadContext,
  ns: string,
  reads: Array<{ set: SetName; depth: number; inRange?: boolean }>
): Promise<SetEntry[][]> {
  const p = ctx.client.pipeline();
  for (const r of reads) {
    const key = sidekiqKey(ns, r.set);
    if (r.set === 'dead' && r.inRange) {
      p.zrevrangebyscoreBuffer(key, String(ctx.to / 1000), String(ctx.from / 1000), 'WITHSCORES', 'LIMIT', 0, r.depth);
    } else if (r.set === 'dead') {
      p.zrevrangeBuffer(key, 0, r.depth - 1, 'WITHSCORES');
    } else {
      p.zrangeBuffer(key, '0', String(r.depth - 1), 'WITHSCORES');
    }
  }
  const replies = await execPipeline(p);
  return reads.map((r, i) => {
    if (replies[i]?.[0]) {
      ctx.notice('warning', `${r.set}: ${replies[i][0]!.message}`);
    }
    const flat = value<Buffer[]>(replies[i]) ?? [];
    const out: SetEntry[] = [];
    for (let j = 0; j + 1 < flat.length; j += 2) {
      out.push({ raw: flat[j], score: Number(flat[j + 1].toString()) });
    }
    if (out.length >= r.depth) {
      ctx.notice('info', `${r.set}: looked at the first ${r.depth} entries only`);
    }
    return out;
  });
}

function setRows(ctx: ReadContext, entries: SetEntry[], queues: Set<string>, state: string, set: SetName): JobRow[] {
  const rows: JobRow[] = [];
  for (const e of entries) {
    const parsed = parseJob(e.raw);
    const queue = typeof parsed.job?.queue === 'string' ? parsed.job.queue : undefined;
    if (queue === undefined) {
      ctx.notice('warning', `${set}: an entry with no readable queue (${parsed.bytes} bytes) was skipped`);
      continue;
    }
    if (!queues.has(queue)) {
      continue;
    }
    const at = e.score * 1000;
    // schedule/retry scores are when the job runs next; dead's is when it died.
    const extra: Partial<JobRow> = set === 'dead' ? { finishedAt: at } : {};
    rows.push(jobRow(queue, state, parsed, ctx.payloadLimit, extra));
  }
  return rows;
}

async function workRows(
  ctx: ReadContext,
  ns: string,
  queues: Set<string>,
  state: 'active' | 'stalled'
): Promise<JobRow[]> {
  const procs = await readProcesses(ctx, ns, true);
  const rows: JobRow[] = [];
  for (const pr of procs) {
    // active lists every running job (a stale process's shown as stalled); stalled only those.
    if (state === 'stalled' && pr.alive) {
      continue;
    }
    for (const w of pr.work) {
      if (w.queue === undefined || !queues.has(w.queue)) {
        continue;
      }
      const parsed = w.payload !== undefined ? parseJob(w.payload) : { raw: '', bytes: w.bytes };
      rows.push(jobRow(w.queue, pr.alive ? 'active' : 'stalled', parsed, ctx.payloadLimit, { processedAt: w.runAt }));
    }
  }
  return rows.sort((a, b) => (a.processedAt ?? 0) - (b.processedAt ?? 0));
}

export async function listJobs(
  ctx: ReadContext,
  ns: string,
  queues: string[],
  options: JobsOptions
): Promise<JobRow[]> {
  const wanted = new Set(queues);
  // The sets are shared by all queues (and searched): look further than one page, bounded.
  const depth = Math.min(SCAN_DEPTH, Math.max(1, ctx.limit) * 10);
  let rows: JobRow[] = [];
  switch (options.state) {
    case 'waiting': {
      const n = options.search ? Math.min(ctx.limit * 10, SCAN_DEPTH) : ctx.limit;
      const p = ctx.client.pipeline();
      queues.forEach((q) => p.lrangeBuffer(sidekiqKey(ns, `queue:${q}`), -n, -1));
      const replies = await execPipeline(p);
      queues.forEach((q, i) => {
        const items = [...(value<Buffer[]>(replies[i]) ?? [])].reverse(); // oldest (right end) first
        items.forEach((raw) => rows.push(jobRow(q, 'waiting', parseJob(raw), ctx.payloadLimit)));
      });
      break;
    }
    case 'delayed':
    case 'retry':
    case 'dead': {
      const set: SetName = options.state === 'delayed' ? 'schedule' : options.state;
      const [entries] = await readSets(ctx, ns, [{ set, depth }]);
      rows = setRows(ctx, entries, wanted, options.state, set);
      break;
    }
    case 'failed': {
      const [retry, dead] = await readSets(ctx, ns, [
        { set: 'retry', depth },
        { set: 'dead', depth, inRange: true },
      ]);
      const inRange = (r: JobRow) => r.finishedAt !== undefined && r.finishedAt >= ctx.from && r.finishedAt <= ctx.to;
      rows = [
        ...setRows(ctx, retry, wanted, 'retry', 'retry').filter(inRange),
        ...setRows(ctx, dead, wanted, 'dead', 'dead'),
      ];
      rows.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
      break;
    }
    case 'active':
    case 'stalled':
      rows = await workRows(ctx, ns, wanted, options.state);
      break;
    case 'completed':
      ctx.notice('info', 'Sidekiq does not keep completed jobs (only the stat:processed counters)');
      return [];
  }
  return rows.filter((r) => matchesSearch(r, options.search)).slice(0, ctx.limit);
}

/** Failures to group: retry entries whose last failure is in range, dead ones that died in range. */
export async function failureSamples(
  ctx: ReadContext,
  ns: string,
  queues: string[],
  depth: number
): Promise<FailureSample[]> {
  const wanted = new Set(queues);
  const [retry, dead] = await readSets(ctx, ns, [
    { set: 'retry', depth },
    { set: 'dead', depth, inRange: true },
  ]);
  const samples: FailureSample[] = [];
  for (const [entries, set] of [
    [retry, 'retry'],
    [dead, 'dead'],
  ] as const) {
    for (const e of entries) {
      const job = parseJob(e.raw).job;
      if (!job || typeof job.queue !== 'string' || !wanted.has(job.queue)) {
        continue;
      }
      const at = set === 'dead' ? e.score * 1000 : failedAtMs(job);
      if (set === 'retry' && (at === undefined || at < ctx.from || at > ctx.to)) {
        continue;
      }
      samples.push({
        queue: job.queue,
        jobId: typeof job.jid === 'string' ? job.jid : '(no jid)',
        errorClass: typeof job.error_class === 'string' ? job.error_class : undefined,
        message: typeof job.error_message === 'string' ? job.error_message : '',
        at,
      });
    }
  }
  return samples;
}
