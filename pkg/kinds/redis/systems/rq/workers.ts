/**
 * RQ workers, as Worker.all(queue=...) finds them, in two pipelined rounds:
 *   1. SMEMBERS rq:workers:<q> per queue (small registry sets of worker keys)
 *   2. per distinct worker (at most MAX_WORKERS): HMGET of the hash's small fields,
 *      SCARD rq:worker:<name>:executions (2.x+: jobs it is running) — O(1)
 * A worker's hash is EXPIREd and refreshed by every heartbeat, so a worker whose process
 * died disappears when its key expires; a cleanly stopped one records `death`.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import type { WorkerRow } from '../../../../reading/rows';
import type { RqKeys } from './keys';
import { parseTime, workerFromKey } from './keys';

export const MAX_WORKERS = 1000;
const FIELDS = ['birth', 'last_heartbeat', 'queues', 'pid', 'hostname', 'state', 'current_job', 'death'] as const;

export async function readWorkers(
  ctx: ReadContext,
  keys: RqKeys,
  prefix: string,
  queues: string[]
): Promise<WorkerRow[]> {
  if (queues.length === 0) {
    return [];
  }
  const first = ctx.client.pipeline();
  queues.forEach((q) => first.smembers(keys.workersOf(q)));
  const sets = await execPipeline(first);
  const all = new Set<string>();
  sets.forEach((reply, i) => {
    if (reply[0]) {
      ctx.notice('warning', `${queues[i]}: worker registry unreadable: ${reply[0].message}`);
    }
    (value<string[]>(reply) ?? []).forEach((k) => all.add(k));
  });
  let workerKeys = [...all].filter((k) => workerFromKey(prefix, k) !== undefined).sort();
  if (workerKeys.length > MAX_WORKERS) {
    ctx.notice('info', `showing ${MAX_WORKERS} of ${workerKeys.length} registered workers`);
    workerKeys = workerKeys.slice(0, MAX_WORKERS);
  }
  if (workerKeys.length === 0) {
    return [];
  }
  const second = ctx.client.pipeline();
  for (const k of workerKeys) {
    second.hmget(k, ...FIELDS);
    second.scard(keys.executions(workerFromKey(prefix, k)!));
  }
  const replies = await execPipeline(second);
  const rows: WorkerRow[] = [];
  workerKeys.forEach((k, i) => {
    const f = value<Array<string | null>>(replies[i * 2]) ?? [];
    const get = (name: (typeof FIELDS)[number]) => f[FIELDS.indexOf(name)] ?? undefined;
    if (f.every((x) => x === null)) {
      return; // expired: the registry set still names it until RQ's maintenance cleans it
    }
    const executions = numberOf(replies[i * 2 + 1]) ?? 0;
    const pid = Number(get('pid'));
    rows.push({
      name: workerFromKey(prefix, k)!,
      host: get('hostname'),
      pid: Number.isFinite(pid) && get('pid') ? pid : undefined,
      queues: (get('queues') ?? '').split(',').filter(Boolean),
      busy: executions > 0 ? executions : get('state') === 'busy' || get('current_job') ? 1 : 0,
      concurrency: 1,
      lastHeartbeat: parseTime(get('last_heartbeat')),
      startedAt: parseTime(get('birth')),
      alive: get('death') === undefined,
    });
  });
  return rows;
}
