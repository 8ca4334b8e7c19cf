/**
 * Workers = consumers as the broker sees them (one /api/consumers listing), grouped by
 * the AMQP connection they consume on (named as the client named it, from one
 * /api/connections listing): host, queues served, prefetch as concurrency.
 *
 * Prefetch: RabbitMQ's UI shows it per consumer (queue page, "Consumers") and per channel
 * (connection page). A row here is a connection (one worker process), so its concurrency is
 * the sum of its consumers' prefetch counts — how many messages the connection may hold
 * unacknowledged — and the `prefetch` column keeps each consumer's own count, as
 * /api/consumers lists it ("queue:prefetch" in listing order). A prefetch of 0 means
 * unlimited: such a connection has no concurrency figure.
 */
import type { WorkerRow } from '../../../../reading/rows';

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

interface ConnectionRow {
  row: WorkerRow;
  prefetch: string[];
  unlimited: boolean;
}

export function consumerWorkers(
  consumers: ConsumerInfo[],
  connections: ConnectionInfo[],
  label: (vhost: string, name: string) => string,
  wanted: (label: string) => boolean
): WorkerRow[] {
  // Keyed by the broker's connection name (unique); two connections a client gave the same
  // name stay two rows.
  const byConnection = new Map<string, ConnectionRow>();
  const given = new Map(connections.map((c) => [c.name, c]));
  for (const c of consumers) {
    const queue = label(c.queue.vhost, c.queue.name);
    if (!wanted(queue)) {
      continue;
    }
    const d = c.channel_details ?? {};
    const key = d.connection_name ?? d.name ?? c.consumer_tag;
    let entry = byConnection.get(key);
    if (!entry) {
      const conn = given.get(key);
      const name = conn?.user_provided_name ?? conn?.client_properties?.connection_name ?? key;
      entry = {
        row: { name, host: d.peer_host, queues: [], concurrency: 0, alive: true },
        prefetch: [],
        unlimited: false,
      };
      byConnection.set(key, entry);
    }
    const { row } = entry;
    if (!row.queues.includes(queue)) {
      row.queues.push(queue);
    }
    const prefetch = c.prefetch_count ?? 0;
    entry.unlimited ||= prefetch === 0;
    entry.prefetch.push(`${queue}:${prefetch === 0 ? 'unlimited' : prefetch}`);
    row.concurrency = (row.concurrency ?? 0) + prefetch;
    row.alive = row.alive && c.active !== false;
  }
  return [...byConnection.values()].map(({ row, prefetch, unlimited }) => ({
    ...row,
    concurrency: unlimited ? undefined : row.concurrency || undefined,
    queues: row.queues.sort(),
    columns: { consumers: prefetch.length, prefetch: prefetch.join(', ') },
  }));
}
