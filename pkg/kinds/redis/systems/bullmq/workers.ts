/**
 * BullMQ workers announce themselves by connection name: CLIENT SETNAME
 * `<prefix>:<base64(queue)>` or `<prefix>:<base64(queue)>:w:<worker name>`, which is how
 * the library's own getWorkers() finds them. One CLIENT LIST (O(clients)) serves every
 * queue; it needs the `client|list` permission, and some managed Redis refuse it.
 */
import type { ReadContext } from '../../job-system';
import type { QueueStats, WorkerRow } from '../../../../reading/rows';

export interface ClientInfo {
  id: string;
  addr: string;
  name: string;
  db: number;
  age: number;
  idle: number;
  cmd: string;
}

export function parseClientList(text: string): ClientInfo[] {
  return text
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line) => {
      const kv: Record<string, string> = {};
      for (const part of line.split(' ')) {
        const i = part.indexOf('=');
        if (i > 0) {
          kv[part.slice(0, i)] = part.slice(i + 1);
        }
      }
      return {
        id: kv.id ?? '',
        addr: kv.addr ?? '',
        name: kv.name ?? '',
        db: Number(kv.db ?? 0),
        age: Number(kv.age ?? 0),
        idle: Number(kv.idle ?? 0),
        cmd: kv.cmd ?? '',
      };
    });
}

/** Workers of the given queues among the clients of database `db`. */
export function bullmqWorkers(
  clients: ClientInfo[],
  prefix: string,
  queues: string[],
  db: number,
  now: number
): WorkerRow[] {
  const head = `${prefix}:`;
  const candidates = clients.filter((c) => c.db === db && c.name.startsWith(head));
  if (candidates.length === 0) {
    return [];
  }
  const byName = new Map(queues.map((q) => [`${head}${Buffer.from(q).toString('base64')}`, q]));
  const rows: WorkerRow[] = [];
  for (const c of candidates) {
    const marker = c.name.indexOf(':w:', prefix.length + 1);
    const base = marker >= 0 ? c.name.slice(0, marker) : c.name;
    const queue = byName.get(base);
    if (queue === undefined) {
      continue;
    }
    rows.push({
      name: marker >= 0 ? c.name.slice(marker + 3) : `client ${c.id}`,
      host: c.addr,
      queues: [queue],
      // A worker blocked waiting for work is idle, one running a command is busy.
      lastHeartbeat: now - c.idle * 1000,
      startedAt: now - c.age * 1000,
      alive: true,
    });
  }
  return rows;
}

/** The workers of `queues` from one CLIENT LIST (Bull names its connections as BullMQ does). */
export async function readWorkers(ctx: ReadContext, prefix: string, queues: string[]): Promise<WorkerRow[]> {
  if (queues.length === 0) {
    return [];
  }
  const { text, db } = await ctx.clientList();
  return bullmqWorkers(parseClientList(text), prefix, queues, db, ctx.now);
}

/**
 * Each queue's `workers` value from readWorkers. When CLIENT LIST fails (some managed Redis
 * refuse it) the stats go without it, with a warning: `unavailable` and the error.
 */
export async function addWorkerCounts(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  stats: QueueStats[],
  unavailable: string
): Promise<QueueStats[]> {
  const workers = await readWorkers(ctx, prefix, queues).catch((err: Error) => {
    ctx.notice('warning', `${unavailable}: ${err.message}`);
    return undefined;
  });
  if (workers) {
    for (const s of stats) {
      s.values.workers = workers.filter((w) => w.queues.includes(s.queue)).length;
    }
  }
  return stats;
}
