/**
 * Workers = consumers as the broker sees them (one /api/consumers listing), grouped by
 * the AMQP connection they consume on (named as the client named it, from one
 * /api/connections listing): host, queues served, prefetch as concurrency.
 */
import type { WorkerRow } from '../rows';

export interface ConsumerInfo {
  queue: { name: string; vhost: string };
  consumer_tag: string;
  prefetch_count?: number;
  active?: boolean;
  channel_details?: { connection_name?: string; name?: string; peer_host?: string; peer_port?: number; node?: string };
}

/** /api/connections rows (name → the name the client gave itself, e.g. a Celery worker's). */
export interface ConnectionInfo {
  name: string;
  user_provided_name?: string;
  client_properties?: { connection_name?: string; product?: string };
}

export function consumerWorkers(
  consumers: ConsumerInfo[],
  connections: ConnectionInfo[],
  label: (vhost: string, name: string) => string,
  wanted: (label: string) => boolean
): WorkerRow[] {
  const byConnection = new Map<string, WorkerRow>();
  const given = new Map(connections.map((c) => [c.name, c]));
  for (const c of consumers) {
    const queue = label(c.queue.vhost, c.queue.name);
    if (!wanted(queue)) {
      continue;
    }
    const d = c.channel_details ?? {};
    const key = d.connection_name ?? d.name ?? c.consumer_tag;
    const conn = given.get(key);
    const name = conn?.user_provided_name ?? conn?.client_properties?.connection_name ?? key;
    const row = byConnection.get(key) ?? { name, host: d.peer_host, queues: [], concurrency: 0, alive: true };
    if (!row.queues.includes(queue)) {
      row.queues.push(queue);
    }
    row.concurrency = (row.concurrency ?? 0) + (c.prefetch_count ?? 0);
    row.alive = row.alive && c.active !== false;
    byConnection.set(name, row);
  }
  return [...byConnection.values()].map((r) => ({
    ...r,
    concurrency: r.concurrency || undefined,
    queues: r.queues.sort(),
  }));
}
