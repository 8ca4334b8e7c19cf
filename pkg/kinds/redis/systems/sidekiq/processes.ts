/**
 * Sidekiq processes and the jobs they are running, in at most four pipelined rounds,
 * whatever the number of processes:
 *   1. SMEMBERS processes                         (the registry set, one per process)
 *   2. per process: HMGET <id> info busy beat quiet concurrency, HKEYS <id>:workers
 *      (6.x) and HKEYS <id>:work (7.x/8.x)        (O(threads))
 *   3. HSTRLEN of every work entry                  (O(1) each)
 *   4. HGET of the entries under MAX_WORK_BYTES, so a 10 MB job is reported by size
 * Never ProcessSet#cleanup (SREM): a process whose hash has expired stays in the set and
 * is reported as gone.
 *
 * Liveness: a process rewrites its hash every beat (5 s in 6.x, 10 s in 7/8) with a 60 s
 * EXPIRE, so a hash whose beat is older than STALE_AFTER_MS belongs to a process that
 * stopped beating (killed, hung); its work entries are the stalled jobs, visible until the
 * keys expire. With a 60 s threshold nothing could ever be seen: the keys expire at 60 s.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { tryJSON } from '../../../../reading/payload';
import { sidekiqKey } from './keys';

export const STALE_AFTER_MS = 30_000;
export const MAX_PROCESSES = 2000;
export const MAX_WORK_BYTES = 1024 * 1024;

export interface WorkEntry {
  tid: string;
  queue?: string;
  /** The job JSON as stored inside the work entry (undefined when too big or unreadable). */
  payload?: string;
  bytes: number;
  runAt?: number;
}

export interface SidekiqProcess {
  identity: string;
  /** The process hash still exists (it expires 60 s after the last beat). */
  present: boolean;
  alive: boolean;
  quiet: boolean;
  info: Record<string, any>;
  queues: string[];
  busy?: number;
  concurrency?: number;
  beat?: number;
  startedAt?: number;
  work: WorkEntry[];
}

/** Queues a process serves: info.queues (all versions), else 8.x capsules' weights. */
function queuesOf(info: Record<string, any>): string[] {
  const out = new Set<string>();
  if (Array.isArray(info.queues)) {
    info.queues.forEach((q: unknown) => typeof q === 'string' && out.add(q.split(',')[0]));
  }
  if (out.size === 0 && info.capsules && typeof info.capsules === 'object') {
    for (const cap of Object.values<any>(info.capsules)) {
      Object.keys(cap?.weights ?? {}).forEach((q) => out.add(q));
    }
  }
  return [...out];
}

export async function readProcesses(ctx: ReadContext, ns: string, withPayloads: boolean): Promise<SidekiqProcess[]> {
  const first = ctx.client.pipeline();
  first.smembers(sidekiqKey(ns, 'processes'));
  const [reply] = await execPipeline(first);
  if (reply?.[0]) {
    ctx.notice('warning', `processes: ${reply[0].message}`);
    return [];
  }
  let ids = (value<string[]>(reply) ?? []).sort();
  if (ids.length > MAX_PROCESSES) {
    ctx.notice('warning', `${ids.length} Sidekiq processes registered: read the first ${MAX_PROCESSES}`);
    ids = ids.slice(0, MAX_PROCESSES);
  }
  if (ids.length === 0) {
    return [];
  }
  const second = ctx.client.pipeline();
  for (const id of ids) {
    second.hmget(sidekiqKey(ns, id), 'info', 'busy', 'beat', 'quiet', 'concurrency');
    second.hkeys(sidekiqKey(ns, `${id}:workers`));
    second.hkeys(sidekiqKey(ns, `${id}:work`));
  }
  const replies = await execPipeline(second);
  const procs: SidekiqProcess[] = [];
  const fields: Array<{ proc: SidekiqProcess; key: string; tid: string }> = [];
  let gone = 0;
  ids.forEach((identity, i) => {
    const [infoText, busy, beat, quiet, concurrency] = value<Array<string | null>>(replies[i * 3]) ?? [];
    if (!infoText) {
      gone++;
      return;
    }
    const info = tryJSON(infoText);
    if (!info || typeof info !== 'object') {
      ctx.notice('warning', `process ${identity}: unreadable info`);
    }
    const safe: Record<string, any> = info && typeof info === 'object' ? info : {};
    const beatMs = Number(beat) > 0 ? Number(beat) * 1000 : undefined;
    const proc: SidekiqProcess = {
      identity,
      present: true,
      alive: beatMs !== undefined && ctx.now - beatMs <= STALE_AFTER_MS,
      quiet: quiet === 'true',
      info: safe,
      queues: queuesOf(safe),
      busy: busy === null || busy === undefined ? undefined : Number(busy) || 0,
      concurrency: Number(concurrency ?? safe.concurrency) || undefined,
      beat: beatMs,
      startedAt: Number(safe.started_at) > 0 ? Number(safe.started_at) * 1000 : undefined,
      work: [],
    };
    procs.push(proc);
    for (const [j, suffix] of [
      [1, 'workers'],
      [2, 'work'],
    ] as const) {
      for (const tid of value<string[]>(replies[i * 3 + j]) ?? []) {
        fields.push({ proc, key: sidekiqKey(ns, `${identity}:${suffix}`), tid });
      }
    }
  });
  if (gone > 0) {
    ctx.notice(
      'info',
      `${gone} registered Sidekiq process(es) have no heartbeat hash (stopped without cleanup; their running jobs are no longer recorded)`
    );
  }
  if (fields.length === 0) {
    return procs;
  }
  const third = ctx.client.pipeline();
  fields.forEach((f) => third.hstrlen(f.key, f.tid));
  const sizes = await execPipeline(third);
  const fourth = ctx.client.pipeline();
  const read: number[] = [];
  fields.forEach((f, i) => {
    const bytes = numberOf(sizes[i]) ?? 0;
    if (bytes > 0 && bytes <= MAX_WORK_BYTES) {
      fourth.hget(f.key, f.tid);
      read.push(i);
    } else if (bytes > MAX_WORK_BYTES) {
      ctx.notice(
        'info',
        `${f.proc.identity}: a running job of ${bytes} bytes was not read (over ${MAX_WORK_BYTES}); counted without its queue`
      );
      f.proc.work.push({ tid: f.tid, bytes });
    }
  });
  if (read.length > 0) {
    const bodies = await execPipeline(fourth);
    bodies.forEach((reply, j) => {
      const f = fields[read[j]];
      const text = value<string>(reply);
      if (typeof text !== 'string') {
        return; // the beat rewrote the hash between the reads: the job finished
      }
      const entry = tryJSON(text);
      if (!entry || typeof entry !== 'object') {
        ctx.notice('warning', `${f.proc.identity}: unreadable work entry ${f.tid}`);
        f.proc.work.push({ tid: f.tid, bytes: text.length });
        return;
      }
      // 6.x+ store the job as a JSON string inside the entry (#4316); older ones as an object.
      const payload =
        typeof entry.payload === 'string' ? entry.payload : entry.payload ? JSON.stringify(entry.payload) : undefined;
      f.proc.work.push({
        tid: f.tid,
        queue: typeof entry.queue === 'string' ? entry.queue : undefined,
        payload: withPayloads ? payload : undefined,
        bytes: payload?.length ?? 0,
        runAt: Number(entry.run_at) > 0 ? Number(entry.run_at) * 1000 : undefined,
      });
    });
  }
  return procs;
}
