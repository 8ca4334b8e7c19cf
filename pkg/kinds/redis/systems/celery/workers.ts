/**
 * Celery workers as the broker shows them without asking them anything. Every worker
 * binds its remote-control queue `<node>.<namespace>.pidbox` in the set
 * `_kombu.binding.<namespace>.pidbox` (default namespace `celery`) when it starts and
 * removes it on a clean shutdown; one killed (SIGKILL, OOM) stays listed. One SMEMBERS
 * per pidbox exchange (a small set: one member per worker). Jobscope never broadcasts
 * (ping/inspect/enable_events write to the broker), and Celery does not record which
 * task queues a worker consumes in Redis, so rows carry no queues and no heartbeat.
 * Nothing in Redis proves such a worker is running (heartbeats are events, published and
 * never stored), so its liveness is unknown (alive null), never alive.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { WorkerRow } from '../../../../reading/rows';
import { BINDING_PREFIX, parseBinding } from './keys';

export const DEFAULT_PIDBOX_EXCHANGES = ['celery.pidbox'];

/** A worker-side pidbox exchange (not the `reply.<ns>.pidbox` one clients reply through). */
export function isWorkerPidbox(exchange: string): boolean {
  return exchange.endsWith('.pidbox') && !exchange.startsWith('reply.');
}

export async function readWorkers(ctx: ReadContext, exchanges: string[]): Promise<WorkerRow[]> {
  const p = ctx.client.pipeline();
  exchanges.forEach((x) => p.smembers(`${BINDING_PREFIX}${x}`));
  const replies = await execPipeline(p);
  const rows: WorkerRow[] = [];
  exchanges.forEach((exchange, i) => {
    if (replies[i]?.[0]) {
      ctx.notice('warning', `${BINDING_PREFIX}${exchange}: ${replies[i][0]!.message}`);
    }
    for (const member of value<string[]>(replies[i]) ?? []) {
      const b = parseBinding(exchange, member);
      const suffix = `.${exchange}`;
      if (!b || !b.queue.endsWith(suffix)) {
        continue;
      }
      const name = b.queue.slice(0, -suffix.length);
      const at = name.indexOf('@');
      rows.push({ name, host: at >= 0 ? name.slice(at + 1) : undefined, queues: [], alive: null });
    }
  });
  ctx.notice(
    'info',
    'Celery workers are listed from their remote-control (pidbox) bindings: a worker removes its own on shutdown, ' +
      'one that was killed stays listed, so their liveness is unknown (Celery keeps no heartbeat in Redis: its heartbeats ' +
      'are events); Jobscope never pings workers (that writes to the broker), and Redis does not record which queues a ' +
      'worker consumes'
  );
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}
