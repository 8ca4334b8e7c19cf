/**
 * RQ's Redis layout (1.13 and 2.x/3.x), as rq/queue.py, rq/job.py, rq/registry.py,
 * rq/worker.py (rq/worker/base.py), rq/worker_registration.py, rq/results.py and
 * rq/executions.py write it, all under the prefix `rq` (RQ_KEY_PREFIX in 3.x):
 *   rq:queues                 set of queue keys `rq:queue:<name>` (Queue.all())
 *   rq:queue:<name>           list of job ids, RPUSHed, workers LPOP/LMOVE: oldest at 0
 *   rq:queue:<name>:intermediate  (2.x+) list a worker LMOVEs a job into while it starts it
 *   rq:job:<id>               hash: status, origin, description, created_at, enqueued_at,
 *                             started_at, ended_at, last_heartbeat (ISO-8601 UTC
 *                             `%Y-%m-%dT%H:%M:%S.%fZ`), data (zlib-compressed pickle),
 *                             exc_info (zlib text, only when Redis has no streams),
 *                             meta (serializer bytes, pickle by default), retries_left,
 *                             retry_intervals, failure_ttl, result_ttl, worker_name
 *   rq:results:<id>           stream of results (Redis ≥ 5): type 1 ok, 2 failed, 3 stopped,
 *                             4 retried, 5 retries exhausted; exc_string = base64(zlib(text))
 *   sorted sets per queue, score in epoch seconds:
 *     rq:wip:<q>        StartedJobRegistry, score = heartbeat expiry (now + heartbeat ttl);
 *                       members `<job id>` (1.x) or `<job id>:<execution id>` (2.x+)
 *     rq:failed:<q>     score = failure time + failure_ttl (default 1 year)
 *     rq:finished:<q>   score = end time + result_ttl (default 500 s)
 *     rq:scheduled:<q>  score = when the job is due (enqueue_at/in, retry with interval)
 *     rq:deferred:<q>   jobs waiting for their dependencies
 *     rq:canceled:<q>
 *   rq:workers, rq:workers:<q>  sets of worker keys `rq:worker:<name>`
 *   rq:worker:<name>  hash: birth, last_heartbeat, queues (comma separated), pid, hostname,
 *                     state, current_job (1.x), death (set on clean exit), successful_job_count,
 *                     failed_job_count; EXPIREd and refreshed by each heartbeat
 *   rq:worker:<name>:executions (2.x+) set of the executions the worker is running
 *   rq:suspended      present while `rq suspend` holds every worker
 */
import { inflateSync } from 'zlib';

export const DEFAULT_PREFIX = 'rq';

/** RQ's DEFAULT_FAILURE_TTL (rq/defaults.py), used when a job sets no failure_ttl. */
export const DEFAULT_FAILURE_TTL_S = 31_536_000;

export interface RqKeys {
  queues: string;
  queue(q: string): string;
  intermediate(q: string): string;
  job(id: string): string;
  results(id: string): string;
  registry(kind: 'wip' | 'failed' | 'finished' | 'scheduled' | 'deferred' | 'canceled', q: string): string;
  workers: string;
  workersOf(q: string): string;
  worker(name: string): string;
  executions(worker: string): string;
  suspended: string;
}

export function rqKeys(prefix = DEFAULT_PREFIX): RqKeys {
  return {
    queues: `${prefix}:queues`,
    queue: (q) => `${prefix}:queue:${q}`,
    intermediate: (q) => `${prefix}:queue:${q}:intermediate`,
    job: (id) => `${prefix}:job:${id}`,
    results: (id) => `${prefix}:results:${id}`,
    registry: (kind, q) => `${prefix}:${kind}:${q}`,
    workers: `${prefix}:workers`,
    workersOf: (q) => `${prefix}:workers:${q}`,
    worker: (name) => `${prefix}:worker:${name}`,
    executions: (name) => `${prefix}:worker:${name}:executions`,
    suspended: `${prefix}:suspended`,
  };
}

/** `rq:queue:<name>` → name; undefined for anything else (e.g. the intermediate lists). */
export function queueFromKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:queue:`;
  return key.startsWith(head) && key.length > head.length ? key.slice(head.length) : undefined;
}

/** `rq:worker:<name>` → name. */
export function workerFromKey(prefix: string, key: string): string | undefined {
  const head = `${prefix}:worker:`;
  return key.startsWith(head) && key.length > head.length ? key.slice(head.length) : undefined;
}

/**
 * A started-registry member is the job id (1.x) or `<job id>:<execution id>` (2.x+, a
 * 32-hex uuid4; RQ job ids themselves contain no colon unless a user chose one).
 */
export function jobIdOfStarted(member: string): string {
  const m = /^(.*):[0-9a-f]{32}$/.exec(member);
  return m ? m[1] : member;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** RQ's utcformat() timestamps to epoch ms; undefined for '', missing or malformed. */
export function parseTime(v: string | null | undefined): number | undefined {
  if (!v || !ISO.test(v)) {
    return undefined;
  }
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

/**
 * zlib-inflates at most `max` bytes (RQ compresses `data` and exception texts). Inflating
 * is not decoding: the result is shown as hex if it is a pickle. A stream larger than `max`
 * (or a zip bomb) yields undefined and the caller shows the compressed bytes.
 */
export function inflateBounded(raw: Buffer, max: number): Buffer | undefined {
  try {
    return inflateSync(raw, { maxOutputLength: max });
  } catch {
    return undefined;
  }
}

/** A traceback's last line, `module.Error: message`, split into class and message. */
export function errorOfTraceback(text: string): { errorClass?: string; message: string } {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const last = lines[lines.length - 1] ?? '';
  const m = /^([A-Za-z_][\w.]*):(?:\s(.*))?$/.exec(last);
  if (m) {
    return { errorClass: m[1], message: m[2] ?? '' };
  }
  return { message: last };
}

// No \b: in a pickle the string follows its length byte, which may be a digit or letter.
const TRACEPARENT_IN_TEXT = /[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}/;

/** The first W3C traceparent-shaped text inside bytes or text (a pickled str keeps its UTF-8). */
export function findTraceparent(raw: Buffer | string | null | undefined): string | undefined {
  if (!raw) {
    return undefined;
  }
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  return TRACEPARENT_IN_TEXT.exec(text)?.[0];
}
