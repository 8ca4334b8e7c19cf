/**
 * Overview of many Celery queues in at most five pipelined round trips, whatever their
 * number:
 *   1. per queue: LLEN and MEMORY USAGE (5 sampled elements) of the base list and of the
 *      nine priority lists
 *   2. per queue: LRANGE of the next QUEUED_SAMPLE messages, fewer where their estimated
 *      size passes QUEUED_SAMPLE_BYTES (jobs.ts readWaiting), for
 *      their ETA and retries headers: an ETA/countdown task, and a retry (Task.retry
 *      publishes a new message with retries + 1 and an ETA), sit on the list like any
 *      other message until a worker takes it, and go back there when a worker's warm
 *      shutdown restores what it held; nothing but the message tells them apart
 *   3–5. the unacknowledged messages (unacked.ts), shared by every queue
 * Values and where they come from (the same rules as the job lists):
 *   wait         base list messages not waiting for a future ETA
 *   prioritized  priority list messages (<queue>\x06\x16<1..9>) not waiting for an ETA;
 *                wait + prioritized + queued delayed is kombu's Channel._size(queue)
 *   active       unacked messages of the queue not waiting for an ETA
 *   delayed      messages whose ETA is in the future, queued or unacked (workers take
 *                ETA/countdown tasks at once and hold them until due)
 *   retries      messages with headers.retries > 0, queued or unacked (a retry; with its
 *                ETA still ahead it is counted in delayed too)
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
import { readWaiting } from './jobs';

const LISTS = 10;
/** Queued messages read per queue for their ETA and retries; past it, counted as waiting. */
export const QUEUED_SAMPLE = 500;
/** About this many bytes of them, by MEMORY USAGE's estimate (a list element has no length command). */
export const QUEUED_SAMPLE_BYTES = 512 * 1024;

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
  queues.forEach((q) =>
    priorityLists(q).forEach((k) => {
      p.llen(k);
      p.memory('USAGE', k, 'SAMPLES', '5');
    })
  );
  const [both, unacked] = await Promise.all([execPipeline(p), readUnacked(ctx, bindings, visibilityTimeoutS)]);
  const replies = both.filter((_, j) => j % 2 === 0);
  const sizes = replies.map((r) => numberOf(r) ?? 0);
  // How many of each list to read: QUEUED_SAMPLE_BYTES at the list's average element size
  // (all of them when MEMORY USAGE is refused or answers nothing).
  const readable = sizes.map((n, j) => {
    const bytes = numberOf(both[2 * j + 1]);
    return bytes && n > 0 ? Math.min(n, Math.max(1, Math.floor(QUEUED_SAMPLE_BYTES / (bytes / n)))) : n;
  });
  const queued = await readWaiting(ctx, queues, QUEUED_SAMPLE, readable);
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
    const listed = queued.filter((m) => m.queue === queue);
    const listedDelayed = listed.filter((m) => isDelayed(m.message, ctx.now));
    const baseDelayed = listedDelayed.filter((m) => m.list === 0).length;
    const total = sizes.slice(i * LISTS, (i + 1) * LISTS).reduce((a, b) => a + b, 0);
    if (listed.length < total) {
      ctx.notice(
        'info',
        `${queue}: ETA and retried messages counted among the next ${listed.length} of ${total} queued (at most ${QUEUED_SAMPLE} messages or about ${QUEUED_SAMPLE_BYTES / 1024} KiB are read; the rest count as waiting)`
      );
    }
    const values: QueueStats['values'] = {
      wait: (numberOf(lens[0]) ?? 0) - baseDelayed,
      prioritized: lens.slice(1).reduce((sum, r) => sum + (numberOf(r) ?? 0), 0) - (listedDelayed.length - baseDelayed),
      active: mine.filter((e) => !isDelayed(e.message, ctx.now)).length,
      delayed: mine.filter((e) => isDelayed(e.message, ctx.now)).length + listedDelayed.length,
      retries:
        mine.filter((e) => (e.message?.retries ?? 0) > 0).length +
        listed.filter((m) => (m.message.retries ?? 0) > 0).length,
      // The part of active past the visibility timeout (an ETA message a worker holds is delayed).
      stalled: mine.filter((e) => !isDelayed(e.message, ctx.now) && e.deliveredAt < stalledBefore).length,
    };
    return { queue, values };
  });
  ctx.notice(
    'info',
    'Celery records no enqueue time (oldest wait unknown), keeps completed/failed only in the result backend ' +
      '(see the failures and jobs queries) and has no pause or dead-letter queue in Redis; delayed counts messages ' +
      'whose ETA/countdown is ahead and retries retried messages (headers.retries > 0; a retry whose ETA is ahead is ' +
      'in delayed too), on the queue lists or held by workers, and those are not in wait; active and stalled count ' +
      'messages delivered to workers and not yet acknowledged (with early ack, the default, a running task is ' +
      'already acknowledged)'
  );
  return stats;
}
