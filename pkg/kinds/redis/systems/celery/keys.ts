/**
 * Celery's Redis layout, as kombu's Redis transport (kombu/transport/redis.py, 5.2–5.7)
 * and Celery's Redis result backend (celery/backends/redis.py, base.py) write it. No
 * key is namespaced: a Celery broker owns its Redis database.
 *   <queue>                      list, one JSON envelope per message, LPUSHed; workers
 *                                BRPOP from the right (the default queue is `celery`)
 *   <queue>\x06\x16<step>        the same for priority steps 1..9 (default steps 0,3,6,9:
 *                                `_q_for_pri`); BRPOP reads the base list first, so in
 *                                Redis a LOWER number runs sooner
 *   _kombu.binding.<exchange>    set of `routing_key\x06\x16pattern\x06\x16queue`
 *                                (`keyprefix_queue`, `sep`): the queue registry
 *   _kombu.binding.celery.pidbox remote-control queues, `<node>.celery.pidbox` per worker
 *   _kombu.binding.celeryev      event queues (fanout, never lists)
 *   unacked                      hash delivery_tag → JSON [message, exchange, routing_key]
 *   unacked_index                zset delivery_tag → delivery time (epoch seconds)
 *   unacked_mutex                restore lock (never touched here)
 *   celery-task-meta-<task id>   string, JSON {status, result, traceback, date_done,
 *                                task_id, children; name, args, kwargs, worker, retries,
 *                                queue with result_extended}, expiring after result_expires
 */
export const SEP = '\x06\x16';
export const BINDING_PREFIX = '_kombu.binding.';
export const UNACKED = 'unacked';
export const UNACKED_INDEX = 'unacked_index';
export const RESULT_PREFIX = 'celery-task-meta-';
/** kombu's Channel.visibility_timeout default, seconds. */
export const DEFAULT_VISIBILITY_TIMEOUT = 3600;

/** Priority lists of a queue, in the order a worker's BRPOP reads them (base list first). */
export function priorityLists(queue: string): string[] {
  return [queue, ...Array.from({ length: 9 }, (_, i) => `${queue}${SEP}${i + 1}`)];
}

export interface Binding {
  exchange: string;
  routingKey: string;
  pattern: string;
  queue: string;
}

/** One member of `_kombu.binding.<exchange>`; undefined when it does not have three parts. */
export function parseBinding(exchange: string, member: string): Binding | undefined {
  const parts = member.split(SEP);
  if (parts.length !== 3 || parts[2] === '') {
    return undefined;
  }
  return { exchange, routingKey: parts[0], pattern: parts[1], queue: parts[2] };
}

/** Remote-control, reply and event plumbing: bound in the same registry but not task queues. */
export function isControlExchange(exchange: string): boolean {
  return exchange.endsWith('.pidbox') || exchange === 'celeryev' || exchange.startsWith('celeryev.');
}

export function isControlQueue(queue: string): boolean {
  return queue.endsWith('.pidbox') || queue.startsWith('celeryev.');
}

/**
 * The queue(s) a message published to (exchange, routing key) landed in: the default
 * exchange routes by queue name; others by the binding table (exact key, or a topic glob).
 */
export function queuesFor(bindings: Binding[], exchange: string, routingKey: string): string[] {
  if (!exchange) {
    return [routingKey];
  }
  const bound = bindings.filter((b) => b.exchange === exchange);
  const found = bound
    .filter((b) => b.routingKey === routingKey || topicMatch(b.routingKey, routingKey))
    .map((b) => b.queue);
  return found.length > 0 ? [...new Set(found)] : [routingKey];
}

function topicMatch(pattern: string, key: string): boolean {
  if (!/[#*]/.test(pattern)) {
    return false;
  }
  const re = pattern
    .split('.')
    .map((w) => (w === '#' ? '.*' : w === '*' ? '[^.]+' : w.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('\\.');
  return new RegExp(`^${re}$`).test(key);
}
