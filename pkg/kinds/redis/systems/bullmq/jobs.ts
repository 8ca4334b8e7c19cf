/**
 * Job lists and failure groups for BullMQ, newest first, in three pipelined rounds:
 *   1. ids: ZREVRANGEBYSCORE failed/completed by finish time in range, ZRANGE delayed,
 *      LRANGE wait/active — each bounded by the limit
 *   2. per job: HSTRLEN data/stacktrace and HMGET of the small fields (O(1))
 *   3. HGET data/stacktrace where they are under MAX_READ_BYTES; larger payloads while the
 *      list's LargeBodyBudget lasts (their preview cut to the payload limit), past it
 *      reported by size instead of being pulled through Redis and the plugin.
 */
import type { JobsOptions, ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { type FailureGroup, JobRow, matchesSearch } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent, tryJSON } from '../../../../reading/payload';
import { type FailureSample, groupFailures } from '../../../../reading/failure-reasons';
import { queueKey } from './keys';
import { LargeBodyBudget, unreadNotice, unreadPayload } from '../../large-bodies';

export const MAX_READ_BYTES = 1024 * 1024;
const FIELDS = [
  'name',
  'opts',
  'timestamp',
  'processedOn',
  'finishedOn',
  'atm',
  'attemptsMade',
  'failedReason',
] as const;

export interface JobRef {
  queue: string;
  id: string;
  state: string;
}

/**
 * Round 1 of a job list: which jobs, per state, at most `perQueue` per queue. BullMQ's is
 * below; a system with the same job hashes but other lists (Bull) passes its own.
 */
export type JobIdReader = (
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  state: JobsOptions['state'],
  perQueue: number
) => Promise<JobRef[]>;

/**
 * One key of round 1, `<prefix>:<queue>:<suffix>`, and how its ids are read, each bounded:
 *   zrevrange: ZREVRANGEBYSCORE by finish time in the query's range (newest first)
 *   zrange: ZRANGE from the lowest score (soonest first)
 *   lrange-tail: LRANGE from the right, where workers take (next to run first)
 *   lrange-head: LRANGE from the left (the active list)
 */
export type IdRead = { kind: 'zrevrange' | 'zrange' | 'lrange-tail' | 'lrange-head'; suffix: string };

/** One read's ids in the order shown, or the error that failed the read (then none). */
export interface IdList {
  ids: string[];
  error?: Error;
}

/**
 * Round 1's commands, shared by BullMQ and Bull (same key layout, other lists per state):
 * every read of every queue in one pipeline, at most `perQueue` ids each. Per queue, per
 * read, its ids; lists read from the right are reversed, the next to run (oldest) first.
 */
export async function readIdLists(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  reads: readonly IdRead[],
  perQueue: number
): Promise<IdList[][]> {
  const p = ctx.client.pipeline();
  for (const q of queues) {
    for (const r of reads) {
      const k = queueKey(prefix, q, r.suffix);
      if (r.kind === 'zrevrange') {
        p.zrevrangebyscore(k, ctx.to, ctx.from, 'LIMIT', 0, perQueue);
      } else if (r.kind === 'zrange') {
        p.zrange(k, '0', String(perQueue - 1));
      } else if (r.kind === 'lrange-tail') {
        p.lrange(k, -perQueue, -1);
      } else {
        p.lrange(k, 0, perQueue - 1);
      }
    }
  }
  const replies = await execPipeline(p);
  return queues.map((_, i) =>
    reads.map((r, j) => {
      const reply = replies[i * reads.length + j];
      const got = value<string[]>(reply) ?? [];
      return { ids: r.kind === 'lrange-tail' ? [...got].reverse() : got, error: reply?.[0] ?? undefined };
    })
  );
}

/** Where BullMQ keeps the jobs of a listed state (Queue.getJobs' keys for it). */
function readsFor(state: JobsOptions['state']): IdRead[] {
  switch (state) {
    case 'failed':
    case 'dead': // BullMQ keeps jobs that used up their attempts in failed: that is its DLQ
      return [{ kind: 'zrevrange', suffix: 'failed' }];
    case 'completed':
      return [{ kind: 'zrevrange', suffix: 'completed' }];
    case 'delayed':
      return [{ kind: 'zrange', suffix: 'delayed' }];
    case 'waiting':
      // BullMQ 5 moves a paused queue's waiting jobs to `paused` (6 keeps them in `wait`
      // and flags meta): Queue.getWaiting() reads both, so do we.
      return [
        { kind: 'lrange-tail', suffix: 'wait' },
        { kind: 'lrange-tail', suffix: 'paused' },
      ];
    case 'retry':
      // A failed attempt with attempts left waits again: in delayed with a backoff, else in
      // wait/paused, or prioritized with a priority (moveToFinished → retryJob); filtered on
      // attemptsMade by listJobs.
      return [
        { kind: 'zrange', suffix: 'delayed' },
        { kind: 'lrange-tail', suffix: 'wait' },
        { kind: 'lrange-tail', suffix: 'paused' },
        { kind: 'zrange', suffix: 'prioritized' },
      ];
    case 'active':
    case 'stalled':
      return [{ kind: 'lrange-head', suffix: 'active' }];
  }
}

/** Round 1: which jobs, per state, bounded by `perQueue` per queue. */
async function jobIds(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  state: JobsOptions['state'],
  perQueue: number
): Promise<JobRef[]> {
  const lists = await readIdLists(ctx, prefix, queues, readsFor(state), perQueue);
  return queues.flatMap((queue, i) => {
    const ids = lists[i].flatMap((l) => l.ids);
    return ids.slice(0, perQueue).map((id) => ({ queue, id, state }));
  });
}

/** Rounds 2 and 3: the job hashes, payload and stack trace read only when small enough. */
export async function readJobs(
  ctx: ReadContext,
  prefix: string,
  refs: JobRef[],
  withBodies: boolean
): Promise<JobRow[]> {
  if (refs.length === 0) {
    return [];
  }
  const p = ctx.client.pipeline();
  for (const r of refs) {
    const k = queueKey(prefix, r.queue, r.id);
    p.hstrlen(k, 'data');
    p.hstrlen(k, 'stacktrace');
    p.hmget(k, ...FIELDS);
    p.exists(`${k}:lock`);
  }
  const meta = await execPipeline(p);
  const bodies = ctx.client.pipeline();
  const wanted: Array<{ row: number; field: 'data' | 'stacktrace' }> = [];
  const rows: JobRow[] = [];
  const large = new LargeBodyBudget();
  refs.forEach((ref, i) => {
    const dataBytes = numberOf(meta[i * 4]) ?? 0;
    const stackBytes = numberOf(meta[i * 4 + 1]) ?? 0;
    const f = value<Array<string | null>>(meta[i * 4 + 2]) ?? [];
    const get = (name: (typeof FIELDS)[number]) => f[FIELDS.indexOf(name)] ?? undefined;
    const num = (name: (typeof FIELDS)[number]) => {
      const n = Number(get(name));
      return get(name) === undefined || !Number.isFinite(n) ? undefined : n;
    };
    if (f.every((x) => x === null)) {
      // Removed between the id read and now (completed, retried, cleaned): skip it.
      return;
    }
    const opts = tryJSON(get('opts')) ?? {};
    const state = ref.state === 'stalled' ? (value(meta[i * 4 + 3]) === 0 ? 'stalled' : 'active') : ref.state;
    rows.push({
      queue: ref.queue,
      id: ref.id,
      name: get('name'),
      state,
      attempts: num('atm') ?? num('attemptsMade'),
      createdAt: num('timestamp'),
      processedAt: num('processedOn'),
      finishedAt: num('finishedOn'),
      error: get('failedReason') || undefined,
      traceId: traceIdOf(opts),
      payload: unreadPayload(dataBytes),
    });
    const row = rows.length - 1;
    if (withBodies && dataBytes > 0 && (dataBytes <= MAX_READ_BYTES || large.take(dataBytes))) {
      bodies.hgetBuffer(queueKey(prefix, ref.queue, ref.id), 'data');
      wanted.push({ row, field: 'data' });
    } else if (withBodies && dataBytes > MAX_READ_BYTES) {
      ctx.notice('info', unreadNotice(`${ref.queue}/${ref.id}`, dataBytes));
    }
    if (withBodies && stackBytes > 0 && stackBytes <= MAX_READ_BYTES) {
      bodies.hget(queueKey(prefix, ref.queue, ref.id), 'stacktrace');
      wanted.push({ row, field: 'stacktrace' });
    }
    if (withBodies && dataBytes > MAX_READ_BYTES) {
      ctx.notice(
        'info',
        `${ref.queue}/${ref.id}: payload of ${dataBytes} bytes not read (over ${MAX_READ_BYTES}); size shown`
      );
    }
  });
  if (wanted.length > 0) {
    const replies = await execPipeline(bodies);
    replies.forEach((reply, j) => {
      const { row, field } = wanted[j];
      if (field === 'data') {
        const raw = value<Buffer>(reply);
        if (raw) {
          rows[row].payload = describePayload(raw, ctx.payloadLimit);
          const data = tryJSON(raw.length <= MAX_READ_BYTES ? raw.toString('utf8') : undefined);
          rows[row].traceId ??= traceIdFromTraceparent(data?.traceparent);
        }
      } else {
        const stack = tryJSON(value<string>(reply));
        // BullMQ keeps one trace per attempt; the last is the latest failure.
        rows[row].stacktrace = Array.isArray(stack) && stack.length ? String(stack[stack.length - 1]) : undefined;
      }
    });
  }
  return rows;
}

/** BullMQ's OpenTelemetry propagation lives in opts.tm (a JSON carrier); plain opts.traceparent too. */
function traceIdOf(opts: Record<string, unknown>): string | undefined {
  const tm = typeof opts.tm === 'string' ? tryJSON(opts.tm) : opts.tm;
  return (
    traceIdFromTraceparent((tm as Record<string, unknown> | undefined)?.traceparent) ??
    traceIdFromTraceparent(opts.traceparent)
  );
}

export async function listJobs(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  options: JobsOptions,
  readIds: JobIdReader = jobIds
): Promise<JobRow[]> {
  // With a search or a derived state, look further back than the page, still bounded.
  const filtered = Boolean(options.search) || options.state === 'retry' || options.state === 'stalled';
  const perQueue = filtered ? Math.min(ctx.limit * 10, 5000) : ctx.limit;
  const refs = await readIds(ctx, prefix, queues, options.state, perQueue);
  let rows = (await readJobs(ctx, prefix, refs, !filtered)).filter((r) => matchesSearch(r, options.search));
  if (options.state === 'retry') {
    rows = rows.filter((r) => (r.attempts ?? 0) > 0).map((r) => ({ ...r, state: 'retry' }));
  }
  if (options.state === 'stalled') {
    rows = rows.filter((r) => r.state === 'stalled');
  }
  if (options.state === 'failed' || options.state === 'completed') {
    rows.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
  }
  rows = rows.slice(0, ctx.limit);
  if (filtered && rows.length > 0) {
    // Bodies were skipped while filtering; read them for the page we show.
    const withBodies = await readJobs(
      ctx,
      prefix,
      rows.map((r) => ({ queue: r.queue, id: r.id, state: r.state === 'retry' ? 'delayed' : r.state })),
      true
    );
    const byKey = new Map(withBodies.map((r) => [`${r.queue}\n${r.id}`, r]));
    rows = rows.map((r) => ({ ...(byKey.get(`${r.queue}\n${r.id}`) ?? r), state: r.state }));
  }
  return rows;
}

/** The newest failures in range, per queue, for grouping by reason. */
export async function failureSamples(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  readIds: JobIdReader = jobIds
): Promise<FailureSample[]> {
  const refs = await readIds(ctx, prefix, queues, 'failed', ctx.limit);
  const rows = await readJobs(ctx, prefix, refs, false);
  return rows.map((r) => ({ queue: r.queue, jobId: r.id, message: r.error ?? '', at: r.finishedAt }));
}

/** Failures read per queue for grouping. */
export const FAILURE_SAMPLE = 500;

/** Failure groups of the newest FAILURE_SAMPLE failures in range per queue. */
export async function failureGroups(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  readIds: JobIdReader = jobIds
): Promise<FailureGroup[]> {
  const samples = await failureSamples({ ...ctx, limit: FAILURE_SAMPLE }, prefix, queues, readIds);
  if (samples.length >= FAILURE_SAMPLE) {
    ctx.notice('info', `grouped the newest ${FAILURE_SAMPLE} failures per queue in the time range`);
  }
  return groupFailures(samples, ctx.limit);
}
