/**
 * Celery's Redis result backend: one string key per finished task,
 * `celery-task-meta-<id>` → JSON {status, result, traceback, date_done, task_id,
 * children, and with result_extended: name, args, kwargs, worker, retries, queue}. A
 * failure's result is {exc_type, exc_message, exc_module}. Keys expire after
 * result_expires (1 day by default), so only recent results are seen.
 * There is no index, so reading them is a bounded SCAN:
 *   SCAN MATCH celery-task-meta-* COUNT 1000, at most MAX_SCAN_CALLS calls and
 *   MAX_RESULTS keys, then STRLEN per key and GET only under MAX_READ_BYTES (one
 *   pipeline each). A keyspace bigger than that is reported as a partial answer.
 */
import type Redis from 'ioredis';
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { tryJSON } from '../../../../reading/payload';
import { escapeGlob } from '../../scan';
import { RESULT_PREFIX } from './keys';
import { parseIsoTime } from './message';

export const MAX_SCAN_CALLS = 50;
export const SCAN_COUNT = 1000;
export const MAX_RESULTS = 5000;
export const MAX_READ_BYTES = 1024 * 1024;

export interface TaskResult {
  id: string;
  status: string;
  /** Finish time (date_done), epoch ms. */
  doneAt?: number;
  /** Only with result_extended = True. */
  name?: string;
  queue?: string;
  retries?: number;
  worker?: string;
  args?: unknown;
  kwargs?: unknown;
  excType?: string;
  excMessage?: string;
  traceback?: string;
  /** The stored value of a successful task (JSON text). */
  value?: string;
  bytes: number;
}

export interface ResultsRead {
  results: TaskResult[];
  complete: boolean;
}

/** Walks the keyspace for result keys, bounded in calls and keys found. */
async function scanResults(ctx: ReadContext): Promise<{ keys: string[]; complete: boolean }> {
  const client = ctx.client as Redis;
  const keys = new Set<string>();
  let cursor = '0';
  for (let call = 0; call < MAX_SCAN_CALLS; call++) {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(RESULT_PREFIX)}*`, 'COUNT', SCAN_COUNT);
    batch.forEach((k) => keys.add(k));
    cursor = next;
    if (cursor === '0') {
      return { keys: [...keys], complete: true };
    }
    if (keys.size >= MAX_RESULTS) {
      break;
    }
  }
  return { keys: [...keys].slice(0, MAX_RESULTS), complete: false };
}

function exceptionText(v: unknown): string | undefined {
  if (v === undefined || v === null) {
    return undefined;
  }
  if (Array.isArray(v)) {
    return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ');
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One stored meta; undefined for something that is not a Celery result. */
export function parseResult(key: string, text: string | undefined, bytes: number): TaskResult | undefined {
  const meta = tryJSON(text);
  if (!meta || typeof meta !== 'object' || typeof meta.status !== 'string') {
    return undefined;
  }
  const r: TaskResult = {
    id: typeof meta.task_id === 'string' ? meta.task_id : key.slice(RESULT_PREFIX.length),
    status: meta.status,
    doneAt: parseIsoTime(meta.date_done),
    name: typeof meta.name === 'string' ? meta.name : undefined,
    queue: typeof meta.queue === 'string' ? meta.queue : undefined,
    retries: typeof meta.retries === 'number' ? meta.retries : undefined,
    worker: typeof meta.worker === 'string' ? meta.worker : undefined,
    args: meta.args,
    kwargs: meta.kwargs,
    traceback: typeof meta.traceback === 'string' ? meta.traceback : undefined,
    bytes,
  };
  const res = meta.result;
  if (res && typeof res === 'object' && !Array.isArray(res) && typeof res.exc_type === 'string') {
    r.excType = res.exc_type;
    r.excMessage = exceptionText(res.exc_message) ?? '';
  } else if (meta.status === 'SUCCESS') {
    r.value = JSON.stringify(res ?? null);
  }
  return r;
}

export async function readResults(ctx: ReadContext): Promise<ResultsRead> {
  const { keys, complete } = await scanResults(ctx);
  if (!complete) {
    ctx.notice(
      'warning',
      `result backend: SCAN stopped after ${keys.length} result keys; older or further results are not counted`
    );
  }
  if (keys.length === 0) {
    return { results: [], complete };
  }
  const sizes = ctx.client.pipeline();
  keys.forEach((k) => sizes.strlen(k));
  const lengths = (await execPipeline(sizes)).map((r) => numberOf(r));
  const gets = ctx.client.pipeline();
  const wanted: number[] = [];
  lengths.forEach((n, i) => {
    if (n !== undefined && n > 0 && n <= MAX_READ_BYTES) {
      gets.get(keys[i]);
      wanted.push(i);
    }
  });
  const results: TaskResult[] = [];
  let bad = 0;
  const texts = wanted.length ? await execPipeline(gets) : [];
  texts.forEach((r, j) => {
    const i = wanted[j];
    const parsed = parseResult(keys[i], value<string>(r) ?? undefined, lengths[i] ?? 0);
    if (parsed) {
      results.push(parsed);
    } else if (value(r) !== null) {
      bad++;
    }
  });
  const skipped = lengths.filter((n) => n !== undefined && n > MAX_READ_BYTES).length;
  if (skipped) {
    ctx.notice('info', `result backend: ${skipped} result(s) over ${MAX_READ_BYTES} bytes not read`);
  }
  if (bad || lengths.some((n) => n === undefined)) {
    ctx.notice(
      'warning',
      `result backend: ${bad + lengths.filter((n) => n === undefined).length} celery-task-meta-* key(s) are not Celery results`
    );
  }
  ctx.notice(
    'info',
    'failed and completed tasks come from the result backend: only results still within result_expires are seen'
  );
  return { results, complete };
}

/** The label used for results that do not record their queue (result_extended off). */
export const UNKNOWN_QUEUE = '(unknown queue)';

/** Results that belong to the asked queues; those without a queue are kept under UNKNOWN_QUEUE. */
export function resultsForQueues(
  ctx: ReadContext,
  results: TaskResult[],
  queues: string[]
): Array<TaskResult & { queue: string }> {
  const wanted = new Set(queues);
  const out: Array<TaskResult & { queue: string }> = [];
  let unknown = 0;
  for (const r of results) {
    if (r.queue === undefined) {
      unknown++;
      out.push({ ...r, queue: UNKNOWN_QUEUE });
    } else if (wanted.has(r.queue)) {
      out.push(r as TaskResult & { queue: string });
    }
  }
  if (unknown > 0) {
    ctx.notice(
      'info',
      `${unknown} result(s) do not record their queue (enable result_extended in Celery); shown as "${UNKNOWN_QUEUE}"`
    );
  }
  return out;
}
