/**
 * Overview of Sidekiq queues in one pipelined round trip plus the process rounds of
 * processes.ts (four, shared with nothing else), whatever the number of queues:
 *   1. per queue: LLEN queue:<q>, LINDEX queue:<q> -1 (the oldest job, Queue#latency);
 *      once: ZCARD schedule / retry / dead, GET stat:processed / stat:failed
 *   2-5. processes.ts: active (running jobs per queue, of every process), stalled (those of
 *        processes that stopped beating), workers (live processes)
 * Sidekiq keeps scheduled, retry and dead jobs of every queue in one sorted set each,
 * and its processed/failed counters are global: those values are reported once, under
 * the queue label "*", exactly as Sidekiq's own Stats report them (counting them per
 * queue would mean reading every member). Sidekiq has no prioritized, paused-queue,
 * child-job or completed-job store (queue pausing is Sidekiq Pro).
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import type { QueueStats } from '../../../../reading/rows';
import { epochMs, sidekiqKey } from './keys';
import { parseJob } from './job-record';
import { readProcesses } from './processes';

/** The label of values Sidekiq keeps for all queues together. */
export const ALL_QUEUES = '*';

export async function readOverview(ctx: ReadContext, ns: string, queues: string[]): Promise<QueueStats[]> {
  const p = ctx.client.pipeline();
  for (const q of queues) {
    p.llen(sidekiqKey(ns, `queue:${q}`));
    p.lindexBuffer(sidekiqKey(ns, `queue:${q}`), -1);
  }
  ['schedule', 'retry', 'dead'].forEach((z) => p.zcard(sidekiqKey(ns, z)));
  p.get(sidekiqKey(ns, 'stat:processed'));
  p.get(sidekiqKey(ns, 'stat:failed'));
  const [replies, procs] = await Promise.all([execPipeline(p), readProcesses(ctx, ns, false)]);

  let missingEnqueuedAt = 0;
  const stats: QueueStats[] = queues.map((queue, i) => {
    const [len, oldest] = [replies[i * 2], replies[i * 2 + 1]];
    if (len[0]) {
      ctx.notice('warning', `${queue}: queue:${queue}: ${len[0].message}`);
    }
    const values: QueueStats['values'] = { wait: numberOf(len) };
    const raw = value<Buffer | null>(oldest);
    if (raw) {
      const job = parseJob(raw).job;
      // Queue#latency: enqueued_at (8.x falls back to created_at); seconds or ms per value.
      const at = epochMs(job?.enqueued_at) ?? epochMs(job?.created_at);
      if (at !== undefined) {
        values.oldest_wait_seconds = Math.max(0, (ctx.now - at) / 1000);
      } else {
        missingEnqueuedAt++;
      }
    } else if (values.wait !== undefined) {
      values.oldest_wait_seconds = 0; // empty queue, as Queue#latency reports
    }
    const live = procs.filter((pr) => pr.alive);
    values.workers = live.filter((pr) => !pr.quiet && pr.queues.includes(queue)).length;
    // active: every job a process is running, a stale process's (stalled) included.
    values.active = procs.reduce((n, pr) => n + pr.work.filter((w) => w.queue === queue).length, 0);
    values.stalled = procs
      .filter((pr) => !pr.alive)
      .reduce((n, pr) => n + pr.work.filter((w) => w.queue === queue).length, 0);
    return { queue, values };
  });
  if (missingEnqueuedAt > 0) {
    ctx.notice(
      'info',
      `${missingEnqueuedAt} queue(s): the oldest job records no enqueued_at, so its wait time is left out`
    );
  }

  const base = queues.length * 2;
  const [schedule, retry, dead, processed, failed] = replies.slice(base).map(numberOf);
  const global: QueueStats['values'] = { delayed: schedule, retries: retry, dead };
  const processedOk = value(replies[base + 3]) !== undefined;
  if (processedOk) {
    // stat:processed counts every execution, failed ones included (Processor#stats).
    global.completed = Math.max(0, (processed ?? 0) - (failed ?? 0));
    global.failed = failed ?? 0;
  }
  stats.push({ queue: ALL_QUEUES, values: global });
  ctx.notice(
    'info',
    'Sidekiq keeps scheduled, retry and dead jobs and its processed/failed counters for all queues together: ' +
      'delayed, retries, dead, completed (stat:processed − stat:failed) and failed are reported once under queue "*"; ' +
      'it records no prioritized, paused, waiting-children or failed-in-range values'
  );
  return stats;
}
