/**
 * Overview of many Bull queues in two pipelined round trips, whatever their number:
 *   1. per queue: LLEN wait/paused/active, ZCARD delayed/priority/completed/failed,
 *      EXISTS meta-paused, HEXISTS meta paused (what Queue#isPaused() reads), LINDEX
 *      wait/paused -1, ZCOUNT failed in range (O(log n)), LRANGE active
 *      0..STALL_SAMPLE-1 (bounded)
 *   2. HGET <next waiting job> timestamp, EXISTS <active job>:lock — all O(1)
 * wait … failed are what Queue#getJobCounts() returns (LLEN/ZCARD of the same keys).
 * Read-only commands only; nothing here runs a library script.
 */
import type { ReadContext, Reply } from '../redis/job-system';
import { execPipeline, numberOf, value } from '../redis/job-system';
import type { QueueStats } from '../rows';
import { STALL_SAMPLE } from '../bullmq/overview';
import { queueKey } from './keys';

const READS = [
  'wait',
  'paused',
  'active',
  'delayed',
  'priority',
  'completed',
  'failed',
  'meta-paused',
  'meta',
  'wait',
  'paused',
  'failed',
  'active',
] as const;

export async function readBullOverview(ctx: ReadContext, prefix: string, queues: string[]): Promise<QueueStats[]> {
  if (queues.length === 0) {
    return [];
  }
  const first = ctx.client.pipeline();
  for (const q of queues) {
    const k = (suffix: string) => queueKey(prefix, q, suffix);
    first.llen(k('wait'));
    first.llen(k('paused'));
    first.llen(k('active'));
    first.zcard(k('delayed'));
    first.zcard(k('priority'));
    first.zcard(k('completed'));
    first.zcard(k('failed'));
    first.exists(k('meta-paused'));
    first.hexists(k('meta'), 'paused');
    first.lindex(k('wait'), -1);
    first.lindex(k('paused'), -1);
    first.zcount(k('failed'), ctx.from, ctx.to);
    first.lrange(k('active'), 0, STALL_SAMPLE - 1);
  }
  const replies = await execPipeline(first);

  const second = ctx.client.pipeline();
  const followUps: Array<{ queue: number; kind: 'oldest' | 'lock' }> = [];
  const stats: QueueStats[] = queues.map((queue, i) => {
    const r = replies.slice(i * READS.length, (i + 1) * READS.length);
    r.forEach((reply, j) => {
      if (reply[0]) {
        ctx.notice('warning', `${queue}: ${READS[j]}: ${reply[0].message}`);
      }
    });
    // The right end of wait is the job workers take next (the oldest, unless LIFO or
    // priorities reordered the list).
    const nextId = [value<string>(r[9]), value<string>(r[10])].find((id) => typeof id === 'string');
    if (nextId !== undefined) {
      second.hget(queueKey(prefix, queue, nextId), 'timestamp');
      followUps.push({ queue: i, kind: 'oldest' });
    }
    for (const id of value<string[]>(r[12]) ?? []) {
      second.exists(queueKey(prefix, queue, `${id}:lock`));
      followUps.push({ queue: i, kind: 'lock' });
    }
    const values: QueueStats['values'] = {
      wait: numberOf(r[0]),
      paused: numberOf(r[1]),
      active: numberOf(r[2]),
      delayed: numberOf(r[3]),
      prioritized: numberOf(r[4]),
      completed: numberOf(r[5]),
      failed: numberOf(r[6]),
      failed_in_range: numberOf(r[11]),
      queue_paused: numberOf(r[7]) === 1 || numberOf(r[8]) === 1 ? 1 : 0,
      oldest_wait_seconds: 0,
      stalled: 0,
    };
    if ((values.active ?? 0) > STALL_SAMPLE) {
      ctx.notice('info', `${queue}: stalled jobs counted among the first ${STALL_SAMPLE} of ${values.active} active jobs`);
    }
    return { queue, values };
  });

  if (followUps.length > 0) {
    const answers: Reply[] = await execPipeline(second);
    answers.forEach((reply, j) => {
      const { queue, kind } = followUps[j];
      const s = stats[queue];
      if (kind === 'lock') {
        // An active job whose lock expired has lost its worker (dead, or an event loop
        // blocked past lockDuration): Bull's stalled checker will move it back to wait,
        // or fail it after maxStalledCount.
        if (value(reply) === 0) {
          s.values.stalled = (s.values.stalled ?? 0) + 1;
        }
        return;
      }
      const ts = numberOf(reply);
      if (ts !== undefined) {
        s.values.oldest_wait_seconds = Math.max(0, (ctx.now - ts) / 1000);
      } else {
        ctx.notice('info', `${s.queue}: the next waiting job has no readable timestamp`);
      }
    });
  }

  if (stats.some((s) => (s.values.prioritized ?? 0) > 0)) {
    ctx.notice('info', 'Bull keeps prioritized jobs in its wait list too: they are counted in both wait (or paused) and prioritized');
  }
  ctx.notice(
    'info',
    'Bull records no retry or dead-letter sets: jobs out of attempts stay in failed, retries wait in delayed (backoff) or wait; a jobs query with state "retry" lists them',
  );
  return stats;
}
