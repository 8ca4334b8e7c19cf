/**
 * Overview of many BullMQ queues in two pipelined round trips, whatever their number:
 *   1. per queue: LLEN ×3, ZCARD ×5, HMGET meta, LINDEX wait/paused -1, ZCOUNT failed
 *      in range (O(log n)), LRANGE active 0..STALL_SAMPLE-1 (bounded)
 *   2. HGET <oldest waiting job> timestamp, EXISTS <active job>:lock  — all O(1)
 * Read-only commands only; nothing here runs a library script.
 */
import type { ReadContext, Reply } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import type { QueueStats } from '../../../../reading/rows';
import { queueKey } from './keys';

/**
 * Why `retries` and `dead` are left out (BullMQ and Bull alike: Job#moveToFailed). A failed
 * attempt with attempts left is not failed: it waits again, in delayed with a backoff or
 * in wait without one, and is counted there; its attemptsMade is all that marks it, so a
 * count would read every waiting job. A job that used up its attempts is in failed, the
 * library's dead-letter set, counted as `failed`.
 */
export function retriesAndDeadNotice(library: 'BullMQ' | 'Bull'): string {
  return (
    `${library} records no retries or dead counts: a failed attempt with attempts left waits again (delayed with a backoff, ` +
    `wait without) and is counted there, and a job that used up its attempts is in failed, ${library}'s dead-letter set ` +
    '(counted as failed); jobs state=retry lists the retrying jobs and state=dead the failed ones'
  );
}

/** Active jobs checked for a lock per queue; past that, stalled is a lower bound. */
export const STALL_SAMPLE = 1000;

const LISTS = ['wait', 'paused', 'active'] as const;
const ZSETS = ['delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
const PER_QUEUE = LISTS.length + ZSETS.length + 5;
/** What each of a queue's replies read, for the notice of one that failed. */
const REPLY_NAMES = [...LISTS, ...ZSETS, 'meta', 'wait', 'paused', 'failed', 'active'];

export async function readOverview(ctx: ReadContext, prefix: string, queues: string[]): Promise<QueueStats[]> {
  if (queues.length === 0) {
    return [];
  }
  const first = ctx.client.pipeline();
  for (const q of queues) {
    LISTS.forEach((l) => first.llen(queueKey(prefix, q, l)));
    ZSETS.forEach((z) => first.zcard(queueKey(prefix, q, z)));
    first.hmget(queueKey(prefix, q, 'meta'), 'paused');
    first.lindex(queueKey(prefix, q, 'wait'), -1);
    first.lindex(queueKey(prefix, q, 'paused'), -1);
    first.zcount(queueKey(prefix, q, 'failed'), ctx.from, ctx.to);
    first.lrange(queueKey(prefix, q, 'active'), 0, STALL_SAMPLE - 1);
  }
  const replies = await execPipeline(first);

  const next: string[][] = [];
  const active: string[][] = [];
  const stats: QueueStats[] = queues.map((queue, i) => {
    const r = replies.slice(i * PER_QUEUE, (i + 1) * PER_QUEUE);
    r.forEach((reply, j) => {
      if (reply[0]) {
        ctx.notice('warning', `${queue}: ${REPLY_NAMES[j]}: ${reply[0].message}`);
      }
    });
    const [paused] = value<Array<string | null>>(r[8]) ?? [];
    // BullMQ keeps priorities in a zset of their own: wait is FIFO, its right end the oldest.
    next.push(
      [value<string>(r[9]), value<string>(r[10])].filter((id): id is string => typeof id === 'string').slice(0, 1)
    );
    active.push(value<string[]>(r[12]) ?? []);
    const values: QueueStats['values'] = {
      wait: numberOf(r[0]),
      paused: numberOf(r[1]),
      active: numberOf(r[2]),
      delayed: numberOf(r[3]),
      prioritized: numberOf(r[4]),
      waiting_children: numberOf(r[5]),
      completed: numberOf(r[6]),
      failed: numberOf(r[7]),
      failed_in_range: numberOf(r[11]),
      queue_paused: paused === '1' ? 1 : 0,
    };
    return { queue, values };
  });
  await readNextAndLocks(ctx, prefix, stats, next, active);
  ctx.notice('info', retriesAndDeadNotice('BullMQ'));
  return stats;
}

/**
 * Round 2, shared with Bull (same job hashes and `<id>:lock` keys): the enqueue time of
 * the candidates for the oldest waiting job (BullMQ: the right end of wait; Bull: the
 * right end of each priority band, see bull/overview.ts), the earliest of which sets
 * oldest_wait_seconds, and which sampled active jobs lost their lock (stalled).
 */
export async function readNextAndLocks(
  ctx: ReadContext,
  prefix: string,
  stats: QueueStats[],
  oldestCandidates: string[][],
  active: string[][]
): Promise<void> {
  const p = ctx.client.pipeline();
  const followUps: Array<{ queue: number; kind: 'oldest' | 'lock' }> = [];
  stats.forEach((s, i) => {
    s.values.oldest_wait_seconds = 0;
    s.values.stalled = 0;
    if ((s.values.active ?? 0) > STALL_SAMPLE) {
      ctx.notice(
        'info',
        `${s.queue}: stalled jobs counted among the first ${STALL_SAMPLE} of ${s.values.active} active jobs`
      );
    }
    for (const id of oldestCandidates[i]) {
      p.hget(queueKey(prefix, s.queue, id), 'timestamp');
      followUps.push({ queue: i, kind: 'oldest' });
    }
    for (const id of active[i]) {
      p.exists(queueKey(prefix, s.queue, `${id}:lock`));
      followUps.push({ queue: i, kind: 'lock' });
    }
  });
  if (followUps.length === 0) {
    return;
  }
  const answers: Reply[] = await execPipeline(p);
  answers.forEach((reply, j) => {
    const { queue, kind } = followUps[j];
    const s = stats[queue];
    if (kind === 'lock') {
      // An active job whose lock expired has lost its worker (dead, or an event loop
      // blocked past the lock duration): the library's stalled checker will move it
      // back to wait, or fail it, on its next pass.
      if (value(reply) === 0) {
        s.values.stalled! += 1;
      }
      return;
    }
    const ts = numberOf(reply);
    if (ts !== undefined) {
      s.values.oldest_wait_seconds = Math.max(s.values.oldest_wait_seconds ?? 0, (ctx.now - ts) / 1000);
    } else {
      // Taken by a worker between the two reads, or a damaged job hash.
      ctx.notice('info', `${s.queue}: a waiting job read for the oldest wait has no readable timestamp`);
    }
  });
}
