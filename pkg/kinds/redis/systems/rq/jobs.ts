/**
 * Job lists and failure samples for RQ, in three pipelined rounds whatever the number of
 * queues:
 *   1. ids per queue, bounded by the limit: failed/finished the newest by end time
 *      (newest-ended.ts: ZREVRANGEBYSCORE with a bounded margin, the tie band at the cut
 *      ranked by ended_at), ZRANGE scheduled, LRANGE queue 0..n-1 (oldest first),
 *      ZRANGE / ZRANGEBYSCORE wip — O(log n + limit)
 *   2. per job: HSTRLEN data/exc_info/meta and HMGET of the small fields — O(1)
 *   3. per job: the error text (HGET exc_info, or XREVRANGE rq:results:<id> + - COUNT 1 on
 *      Redis ≥ 5 where RQ keeps it), and with bodies HGET data/meta when under
 *      MAX_READ_BYTES (larger payloads while the LargeBodyBudget lasts, else reported by size).
 * data is a zlib-compressed pickle: it is inflated (bounded) and shown as hex, never unpickled.
 */
import type { JobsOptions, ReadContext } from '../../job-system';
import { execPipeline, numberOf, scoredMembers, value } from '../../job-system';
import { JobRow, matchesSearch, Payload } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent } from '../../../../reading/payload';
import { LargeBodyBudget, unreadNotice, unreadPayload } from '../../large-bodies';
import type { FailureSample } from '../../../../reading/failure-reasons';
import type { RqKeys } from './keys';
import { errorOfTraceback, findTraceparent, inflateBounded, jobIdOfStarted, parseTime } from './keys';
import { byEndNewestFirst, endTimeOf, newestEnded } from './newest-ended';

export const MAX_READ_BYTES = 1024 * 1024;
/** Inflated sizes above this are not shown (a compressed payload can expand a lot). */
export const MAX_INFLATE_BYTES = 1024 * 1024;
/** Exception texts are cut here: the last line names the error, the rest is the stack. */
export const MAX_ERROR_BYTES = 64 * 1024;

const FIELDS = [
  'status',
  'origin',
  'description',
  'created_at',
  'enqueued_at',
  'started_at',
  'ended_at',
  'retries_left',
  'failure_ttl',
  'worker_name',
] as const;
type Field = (typeof FIELDS)[number];

export interface JobRef {
  queue: string;
  id: string;
  state: string;
  /** Registry score (epoch seconds) when listed from a sorted set. */
  score?: number;
}

export interface RqJob extends JobRow {
  status?: string;
  retriesLeft?: number;
  /** Where the error text came from, for tests and notices. */
  errorSource?: 'exc_info' | 'results';
}

const nowS = (ctx: ReadContext) => ctx.now / 1000;

/** Round 1: which jobs, per state, at most `perQueue` per queue. */
export async function jobIds(
  ctx: ReadContext,
  keys: RqKeys,
  queues: string[],
  state: JobsOptions['state'],
  perQueue: number
): Promise<JobRef[]> {
  if (state === 'failed' || state === 'dead' || state === 'completed') {
    // RQ's failed registry is where jobs land once their retries are used up (dead)
    return newestEnded(ctx, keys, state === 'completed' ? 'finished' : 'failed', state, queues, perQueue);
  }
  const p = ctx.client.pipeline();
  const sorted = state !== 'waiting';
  for (const q of queues) {
    switch (state) {
      case 'delayed':
      case 'retry': // a retry with an interval waits in the scheduled registry (Job.retry())
        p.zrange(keys.registry('scheduled', q), '0', String(perQueue - 1), 'WITHSCORES');
        break;
      case 'waiting':
        p.lrange(keys.queue(q), 0, perQueue - 1);
        break;
      case 'active':
        p.zrange(keys.registry('wip', q), '0', String(perQueue - 1), 'WITHSCORES');
        break;
      case 'stalled':
        p.zrangebyscore(keys.registry('wip', q), 0, nowS(ctx), 'WITHSCORES', 'LIMIT', 0, perQueue);
        break;
    }
  }
  const replies = await execPipeline(p);
  return queues.flatMap((queue, i): JobRef[] => {
    if (replies[i]?.[0]) {
      ctx.notice('warning', `${queue}: ${state} jobs unreadable: ${replies[i][0]!.message}`);
    }
    if (!sorted) {
      return (value<string[]>(replies[i]) ?? []).map((id) => ({ queue, id, state }));
    }
    return scoredMembers(replies[i]).map(([member, score]) => {
      const id = state === 'active' || state === 'stalled' ? jobIdOfStarted(member) : member;
      const s = state === 'active' && score <= nowS(ctx) ? 'stalled' : state;
      return { queue, id, state: s, score };
    });
  });
}

function nameOf(description: string | undefined): string | undefined {
  if (!description) {
    return undefined;
  }
  const m = /^([\w.]+)\(/.exec(description);
  return m ? m[1] : description.slice(0, 200);
}

/** The payload of a stored `data` field: inflated when small enough, shown as hex if pickled. */
export function describeData(raw: Buffer, limit: number): Payload {
  const inflated = inflateBounded(raw, MAX_INFLATE_BYTES);
  return describePayload(inflated ?? raw, limit);
}

/** A failure's text from the job hash's exc_info (zlib) or the newest result stream entry. */
function errorText(excInfo: Buffer | undefined, results: unknown): { text?: string; source?: RqJob['errorSource'] } {
  if (excInfo && excInfo.length > 0) {
    const text = inflateBounded(excInfo, MAX_ERROR_BYTES)?.toString('utf8');
    if (text !== undefined) {
      return { text, source: 'exc_info' };
    }
  }
  // XREVRANGE reply: [[id, [field, value, ...]]]
  const entry = Array.isArray(results) ? (results[0] as [string, string[]] | undefined) : undefined;
  const fields = Array.isArray(entry?.[1]) ? entry![1] : [];
  const i = fields.findIndex((f, j) => j % 2 === 0 && String(f) === 'exc_string');
  if (i >= 0 && typeof fields[i + 1] === 'string') {
    const text = inflateBounded(Buffer.from(fields[i + 1], 'base64'), MAX_ERROR_BYTES)?.toString('utf8');
    if (text !== undefined) {
      return { text, source: 'results' };
    }
  }
  return {};
}

/** Rounds 2 and 3. Jobs whose hash has gone (expired, deleted mid-query) are skipped. */
export async function readJobs(ctx: ReadContext, keys: RqKeys, refs: JobRef[], withBodies: boolean): Promise<RqJob[]> {
  if (refs.length === 0) {
    return [];
  }
  const p = ctx.client.pipeline();
  for (const r of refs) {
    const k = keys.job(r.id);
    p.hstrlen(k, 'data');
    p.hstrlen(k, 'exc_info');
    p.hstrlen(k, 'meta');
    p.hmget(k, ...FIELDS);
  }
  const meta = await execPipeline(p);
  const second = ctx.client.pipeline();
  const wanted: Array<{ row: number; what: 'data' | 'exc_info' | 'results' | 'meta' }> = [];
  const rows: RqJob[] = [];
  const large = new LargeBodyBudget();
  refs.forEach((ref, i) => {
    const [dataR, excR, metaR, fieldsR] = meta.slice(i * 4, i * 4 + 4);
    if (fieldsR?.[0]) {
      ctx.notice('warning', `${ref.queue}/${ref.id}: job unreadable: ${fieldsR[0].message}`);
      return;
    }
    const f = value<Array<string | null>>(fieldsR) ?? [];
    if (f.every((x) => x === null)) {
      return;
    }
    const get = (name: Field) => f[FIELDS.indexOf(name)] ?? undefined;
    const dataBytes = numberOf(dataR) ?? 0;
    const excBytes = numberOf(excR) ?? 0;
    const metaBytes = numberOf(metaR) ?? 0;
    const retriesLeft = get('retries_left') === undefined ? undefined : Number(get('retries_left'));
    const finishedAt = endTimeOf(ref.state, ref.score, get('ended_at'), get('failure_ttl'));
    const description = get('description');
    rows.push({
      queue: ref.queue,
      id: ref.id,
      name: nameOf(description),
      state: ref.state,
      status: get('status'),
      createdAt: parseTime(get('enqueued_at')) ?? parseTime(get('created_at')),
      processedAt: parseTime(get('started_at')),
      finishedAt,
      retriesLeft: Number.isFinite(retriesLeft) ? retriesLeft : undefined,
      traceId: traceIdFromTraceparent(findTraceparent(description)),
      payload: unreadPayload(dataBytes),
    });
    const row = rows.length - 1;
    const k = keys.job(ref.id);
    // Failed jobs, and scheduled jobs that already ran (retries), carry an exception text.
    const ranBefore = (ref.state === 'delayed' || ref.state === 'retry') && Boolean(get('started_at'));
    const failed = ref.state === 'failed' || ref.state === 'dead' || get('status') === 'failed' || ranBefore;
    if (failed && excBytes > 0 && excBytes <= MAX_READ_BYTES) {
      second.hgetBuffer(k, 'exc_info');
      wanted.push({ row, what: 'exc_info' });
    } else if (failed) {
      second.xrevrange(keys.results(ref.id), '+', '-', 'COUNT', 1);
      wanted.push({ row, what: 'results' });
    }
    if (withBodies && dataBytes > 0 && (dataBytes <= MAX_READ_BYTES || large.take(dataBytes))) {
      second.hgetBuffer(k, 'data');
      wanted.push({ row, what: 'data' });
    } else if (withBodies && dataBytes > MAX_READ_BYTES) {
      ctx.notice('info', unreadNotice(`${ref.queue}/${ref.id}`, dataBytes));
    }
    if (withBodies && metaBytes > 0 && metaBytes <= MAX_ERROR_BYTES) {
      second.hgetBuffer(k, 'meta');
      wanted.push({ row, what: 'meta' });
    }
  });
  if (wanted.length > 0) {
    const replies = await execPipeline(second);
    replies.forEach((reply, j) => {
      const { row, what } = wanted[j];
      const r = rows[row];
      if (what === 'data') {
        const raw = value<Buffer>(reply);
        if (raw) {
          r.payload = describeData(raw, ctx.payloadLimit);
          if (inflateBounded(raw, MAX_INFLATE_BYTES) === undefined) {
            ctx.notice(
              'info',
              `${r.queue}/${r.id}: payload shown compressed (not zlib, or over ${MAX_INFLATE_BYTES} bytes inflated)`
            );
          }
        }
      } else if (what === 'meta') {
        // meta is pickled (or JSON with a JSON serializer): a traceparent string inside is
        // found by its shape in the bytes, nothing is decoded.
        r.traceId = traceIdFromTraceparent(findTraceparent(value<Buffer>(reply))) ?? r.traceId;
      } else {
        const { text, source } = errorText(what === 'exc_info' ? value<Buffer>(reply) : undefined, value(reply));
        if (text !== undefined) {
          const { errorClass, message } = errorOfTraceback(text);
          r.error = errorClass ? `${errorClass}: ${message}` : message;
          r.stacktrace = text;
          r.errorSource = source;
        }
      }
    });
  }
  return rows;
}

function inRange(ctx: ReadContext, row: JobRow): boolean {
  return row.finishedAt === undefined || (row.finishedAt >= ctx.from && row.finishedAt <= ctx.to);
}

export async function listJobs(
  ctx: ReadContext,
  keys: RqKeys,
  queues: string[],
  options: JobsOptions
): Promise<JobRow[]> {
  const filtered = Boolean(options.search) || options.state === 'retry';
  const perQueue = filtered ? Math.min(ctx.limit * 10, 5000) : ctx.limit;
  const refs = await jobIds(ctx, keys, queues, options.state, perQueue);
  const refScore = new Map(refs.map((r) => [`${r.queue}\n${r.id}`, r.score]));
  let rows: RqJob[] = (await readJobs(ctx, keys, refs, !filtered)).filter((r) => matchesSearch(r, options.search));
  if (options.state === 'retry') {
    // RQ's Job.retry() schedules a failed job again keeping its started_at: a scheduled job
    // that has already started once is a retry; enqueue_in()/enqueue_at() jobs have none.
    rows = rows.filter((r) => r.processedAt !== undefined).map((r) => ({ ...r, state: 'retry' }));
  }
  if (options.state === 'failed' || options.state === 'dead' || options.state === 'completed') {
    rows = rows
      .filter((r) => inRange(ctx, r))
      .sort((a, b) => byEndNewestFirst({ id: a.id, end: a.finishedAt }, { id: b.id, end: b.finishedAt }));
  }
  rows = rows.slice(0, ctx.limit);
  if (filtered && rows.length > 0) {
    const full = await readJobs(
      ctx,
      keys,
      rows.map((r) => ({ queue: r.queue, id: r.id, state: r.state, score: refScore.get(`${r.queue}\n${r.id}`) })),
      true
    );
    const byKey = new Map(full.map((r) => [`${r.queue}\n${r.id}`, r]));
    rows = rows.map((r) => ({ ...(byKey.get(`${r.queue}\n${r.id}`) ?? r), state: r.state }));
  }
  return rows.map(({ status: _s, retriesLeft: _r, errorSource: _e, ...row }) => row);
}

/** The newest failures (by end time, newest-ended.ts) whose end time is in the query range. */
export async function failureSamples(
  ctx: ReadContext,
  keys: RqKeys,
  queues: string[],
  perQueue: number
): Promise<FailureSample[]> {
  const refs = await jobIds(ctx, keys, queues, 'failed', perQueue);
  const rows = (await readJobs(ctx, keys, refs, false)).filter((r) => inRange(ctx, r));
  return rows.map((r) => {
    const { errorClass, message } = errorOfTraceback(r.stacktrace ?? r.error ?? '');
    return { queue: r.queue, jobId: r.id, errorClass, message, at: r.finishedAt };
  });
}
