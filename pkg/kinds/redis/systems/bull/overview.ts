/**
 * Overview of many Bull queues in two pipelined round trips, whatever their number:
 *   1. per queue: LLEN wait/paused/active, ZCARD delayed/priority/completed/failed,
 *      EXISTS meta-paused, HEXISTS meta paused (what Queue#isPaused() reads), LRANGE
 *      wait/paused -(OLDEST_SAMPLE+1) -1, ZCOUNT failed in range (O(log n)), LRANGE
 *      active 0..STALL_SAMPLE-1 (bounded)
 *   2. HGET timestamp of the oldest-wait candidates, EXISTS <active job>:lock — all O(1)
 *
 * Bull keeps priorities inside the wait list (addJob.lua): prioritised jobs sit at its
 * right end, ordered by priority, each band FIFO, and unprioritised jobs are LPUSHed to
 * their left. The right end is the next job to run, not the oldest: the oldest waiting job
 * is the right-most of one of those bands, so the candidates are the right-most
 * (P + 1) ids, P = ZCARD priority (at most OLDEST_SAMPLE + 1 of them). (LIFO jobs are
 * RPUSHed ahead of everything; with LIFO the oldest may lie further left.)
 * wait … failed are what Queue#getJobCounts() returns (LLEN/ZCARD of the same keys).
 * Read-only commands only; nothing here runs a library script.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import type { QueueStats } from '../../../../reading/rows';
import { readNextAndLocks, retriesAndDeadNotice, STALL_SAMPLE } from '../bullmq/overview';
import { queueKey } from './keys';

/** Prioritised jobs whose enqueue time is read for oldest_wait_seconds, per queue. */
export const OLDEST_SAMPLE = 100;

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
    first.lrange(k('wait'), -(OLDEST_SAMPLE + 1), -1);
    first.lrange(k('paused'), -(OLDEST_SAMPLE + 1), -1);
    first.zcount(k('failed'), ctx.from, ctx.to);
    first.lrange(k('active'), 0, STALL_SAMPLE - 1);
  }
  const replies = await execPipeline(first);

  const candidates: string[][] = [];
  const active: string[][] = [];
  const stats: QueueStats[] = queues.map((queue, i) => {
    const r = replies.slice(i * READS.length, (i + 1) * READS.length);
    r.forEach((reply, j) => {
      if (reply[0]) {
        ctx.notice('warning', `${queue}: ${READS[j]}: ${reply[0].message}`);
      }
    });
    const prioritised = numberOf(r[4]) ?? 0;
    if (prioritised > OLDEST_SAMPLE) {
      ctx.notice(
        'info',
        `${queue}: oldest_wait_seconds is the oldest of the first ${OLDEST_SAMPLE + 1} jobs to run (${prioritised} prioritised jobs wait)`
      );
    }
    // Right-most (P + 1) of each list: every priority band's oldest and the oldest unprioritised job.
    candidates.push(
      [r[9], r[10]].flatMap((reply) =>
        (value<string[]>(reply) ?? []).slice(-(Math.min(prioritised, OLDEST_SAMPLE) + 1))
      )
    );
    active.push(value<string[]>(r[12]) ?? []);
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
    };
    return { queue, values };
  });
  await readNextAndLocks(ctx, prefix, stats, candidates, active);
  ctx.notice('info', retriesAndDeadNotice('Bull'));
  return stats;
}
