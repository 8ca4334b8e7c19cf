/**
 * Per-queue instant values from one /api/queues listing:
 *   wait = messages_ready, active = messages_unacknowledged, workers = consumers,
 *   consumer_utilisation (RabbitMQ leaves it out while a queue has no consumers),
 *   dead = every message (ready + unacked) of a terminal dead-letter queue, retries = every
 *   message of a retry loop's delay queue (topology.ts says which queue is which; the source
 *   queue of a loop holds neither),
 *   oldest_wait_seconds = now − head_message_timestamp while messages are ready (only when
 *   the head message carries a timestamp property: set by the publisher or the
 *   rabbitmq_message_timestamp plugin). RabbitMQ 3.10 computes the head over unacknowledged
 *   messages too, so this is the age of the oldest message the queue still holds.
 */
import type { QueueStats } from '../../../../reading/rows';
import type { QueueInfo, QueueRole } from './topology';
import { deliveryLimit } from './dlq';

/** Columns the overview, topology and rates need: keeps the listing small. */
export const QUEUE_COLUMNS = [
  'name',
  'vhost',
  'type',
  'arguments',
  'effective_policy_definition',
  'messages',
  'messages_ready',
  'messages_unacknowledged',
  'message_bytes',
  'consumers',
  'consumer_utilisation',
  'head_message_timestamp',
].join(',');

export interface OverviewOptions {
  nowMs: number;
  /** The queue's role in the dead-letter topology, when it has one. */
  role?: QueueRole;
}

export function queueValues(q: QueueInfo, opts: OverviewOptions): QueueStats['values'] {
  const values: QueueStats['values'] = {};
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const ready = num(q.messages_ready);
  const unacked = num(q.messages_unacknowledged);
  if (ready !== undefined) {
    values.wait = ready;
  }
  if (unacked !== undefined) {
    values.active = unacked;
  }
  if (num(q.consumers) !== undefined) {
    values.workers = q.consumers;
  }
  const utilisation = num(q.consumer_utilisation);
  if (utilisation !== undefined) {
    values.consumer_utilisation = utilisation;
  }
  const total = num(q.messages) ?? (ready !== undefined && unacked !== undefined ? ready + unacked : undefined);
  if (total !== undefined && opts.role === 'dead-letter') {
    values.dead = total;
  } else if (total !== undefined && opts.role === 'retry-delay') {
    values.retries = total;
  }
  const head = num(q.head_message_timestamp);
  if (ready !== undefined && ready > 0 && head !== undefined && head > 0) {
    // AMQP timestamps are seconds since the epoch.
    values.oldest_wait_seconds = Math.max(0, opts.nowMs / 1000 - head);
  } else if (ready === 0) {
    values.oldest_wait_seconds = 0;
  }
  return values;
}

/** True when the broker has not collected this queue's statistics yet (just declared). */
export const statsMissing = (q: QueueInfo) => typeof q.messages_ready !== 'number';

/**
 * One line on the queue types that change what the numbers mean: quorum queues with their
 * delivery-limit (messages redelivered more often are dropped or dead-lettered), streams
 * (messages stay after consumption: "wait" is the retained log, not a backlog).
 */
export function queueKinds(queues: Array<QueueInfo & { label: string }>, max = 20): string | undefined {
  const quorum = queues.filter((q) => q.type === 'quorum');
  const streams = queues.filter((q) => q.type === 'stream');
  const parts: string[] = [];
  const list = (xs: string[]) =>
    xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', ');
  if (quorum.length) {
    parts.push(
      `quorum queues: ${list(
        quorum.map((q) => {
          const dl = deliveryLimit(q.arguments, q.effective_policy_definition);
          return dl ? `${q.label} (delivery-limit ${dl.limit}, from ${dl.via})` : `${q.label} (no delivery-limit)`;
        })
      )}`
    );
  }
  if (streams.length) {
    parts.push(
      `streams (messages stay after consumption; wait = messages retained): ${list(streams.map((q) => q.label))}`
    );
  }
  return parts.length ? parts.join('; ') : undefined;
}

/**
 * One line on the dead-letter topology of the selected queues: which loops were taken for
 * retry-with-delay (and which member holds the retries), which queues are terminal
 * dead-letter queues, and which were recognised by name only.
 */
export function topologyNotice(
  nodes: Array<{ id: string; role?: QueueRole; loop?: string[]; by?: 'name' }>,
  max = 10
): string | undefined {
  const list = (xs: string[]) =>
    xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', ');
  const loops = new Map<string, { delays: string[]; members: string[] }>();
  for (const n of nodes) {
    if (n.loop) {
      const key = n.loop.join('\u0000');
      const l = loops.get(key) ?? { delays: [], members: n.loop };
      if (n.role === 'retry-delay') {
        l.delays.push(n.id);
      }
      loops.set(key, l);
    }
  }
  const parts: string[] = [];
  if (loops.size > 0) {
    parts.push(
      `retry loops (queues dead-lettering into each other): ${list(
        [...loops.values()].map(
          (l) =>
            `${l.members.join(' ⇄ ')} (${l.delays.length ? `delay: ${l.delays.join(', ')}` : 'no delay queue: every member is consumed and has no message TTL'})`
        )
      )}; a delay queue's messages count as retries, the loop's other queues hold ordinary work`
    );
  }
  const terminal = nodes.filter((n) => n.role === 'dead-letter');
  if (terminal.length > 0) {
    parts.push(
      `dead = messages in terminal dead-letter queues: ${list(terminal.map((n) => (n.by === 'name' ? `${n.id} (by its name: nothing dead-letters into it)` : n.id)))}`
    );
  }
  return parts.length ? parts.join('; ') : undefined;
}
