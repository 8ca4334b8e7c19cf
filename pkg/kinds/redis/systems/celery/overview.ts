/**
 * Overview of many Celery queues in at most four pipelined round trips, whatever their
 * number:
 *   1. per queue: LLEN of the base list and of the nine priority lists (O(1) each)
 *   2–4. the unacknowledged messages (unacked.ts), shared by every queue
 * Values and where they come from:
 *   wait         LLEN <queue> (the base list; default-priority messages)
 *   prioritized  LLEN <queue>\x06\x16<1..9> (messages sent with a priority)
 *                wait + prioritized is kombu's Channel._size(queue)
 *   active       unacked messages of the queue not waiting for an ETA
 *   delayed      unacked messages of the queue whose ETA is in the future (workers take
 *                ETA/countdown tasks at once and hold them until due)
 *   retries      unacked messages with headers.retries > 0 (a retry waiting for its time)
 *   stalled      the active ones older than the visibility timeout (kombu's restore_visible
 *                also redelivers held ETA messages that old: those stay in delayed)
 * Not recorded by Celery's broker, so left out with a notice: oldest_wait_seconds (no
 * enqueue time in a message), completed/failed (only in the result backend, which needs
 * a SCAN: see the failures and jobs queries), queue_paused, dead, workers per queue.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf } from '../../job-system';
import type { QueueStats } from '../../../../reading/rows';
import { Binding, priorityLists } from './keys';
import { isDelayed, readUnacked } from './unacked';

const LISTS = 10;

export async function readOverview(
  ctx: ReadContext,
  queues: string[],
  bindings: Binding[],
  visibilityTimeoutS: number
): Promise<QueueStats[]> {
  if (queues.length === 0) {
    return [];
  }
  const p = ctx.client.pipeline();
  queues.forEach((q) => priorityLists(q).forEach((k) => p.llen(k)));
  const [replies, unacked] = await Promise.all([execPipeline(p), readUnacked(ctx, bindings, visibilityTimeoutS)]);
  const stalledBefore = ctx.now - visibilityTimeoutS * 1000;
  const stats = queues.map((queue, i) => {
    const lens = replies.slice(i * LISTS, (i + 1) * LISTS);
    lens.forEach((r, j) => {
      if (r[0]) {
        ctx.notice(
          'warning',
          `${queue}: ${priorityLists(queue)[j].replace(/\x06\x16/, ' priority ')}: ${r[0].message}`
        );
      }
    });
    const mine = unacked.entries.filter((e) => e.queues.includes(queue));
    const values: QueueStats['values'] = {
      wait: numberOf(lens[0]) ?? 0,
      prioritized: lens.slice(1).reduce((sum, r) => sum + (numberOf(r) ?? 0), 0),
      active: mine.filter((e) => !isDelayed(e.message, ctx.now)).length,
      delayed: mine.filter((e) => isDelayed(e.message, ctx.now)).length,
      retries: mine.filter((e) => (e.message?.retries ?? 0) > 0).length,
      // The part of active past the visibility timeout (an ETA message a worker holds is delayed).
      stalled: mine.filter((e) => !isDelayed(e.message, ctx.now) && e.deliveredAt < stalledBefore).length,
    };
    return { queue, values };
  });
  ctx.notice(
    'info',
    'Celery records no enqueue time (oldest wait unknown), keeps completed/failed only in the result backend ' +
      '(see the failures and jobs queries) and has no pause or dead-letter queue in Redis; active, delayed, retries ' +
      'and stalled count messages delivered to workers and not yet acknowledged (with early ack, the default, a ' +
      'running task is already acknowledged)'
  );
  return stats;
}
