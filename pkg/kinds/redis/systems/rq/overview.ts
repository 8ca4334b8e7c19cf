/**
 * Overview of many RQ queues in two pipelined round trips, whatever their number:
 *   1. per queue: LLEN + LINDEX 0 of the queue list, ZCARD + ZCOUNT of wip, ZCOUNT of
 *      failed/finished above now, ZCARD scheduled/deferred (all O(1) or O(log n)),
 *      ZREVRANGEBYSCORE failed LIMIT FAILED_SAMPLE, ZRANGE scheduled 0..RETRY_SAMPLE-1,
 *      SMEMBERS rq:workers:<q> (a small registry set); once: EXISTS rq:suspended
 *   2. HGET enqueued_at of the oldest waiting job, HMGET ended_at/failure_ttl of the sampled
 *      failures, HGET started_at of the sampled scheduled jobs, HMGET death of each worker
 *      hash — all O(1)
 * Read-only: RQ's own count properties run cleanup() (which moves abandoned jobs to failed
 * and deletes expired entries); this reads the same sets without changing them.
 */
import type { ReadContext, Reply } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import type { QueueStats } from '../../../../reading/rows';
import type { RqKeys } from './keys';
import { DEFAULT_FAILURE_TTL_S, parseTime, workerFromKey } from './keys';

/** Failures read per queue to count those that ended inside the query's time range. */
export const FAILED_SAMPLE = 1000;
/** Scheduled jobs read per queue to tell retries from jobs enqueued to run later. */
export const RETRY_SAMPLE = 1000;

const PER_QUEUE = 11;

type FollowUp =
  | { queue: number; kind: 'oldest' }
  | { queue: number; kind: 'failed'; score: number }
  | { queue: number; kind: 'scheduled' }
  | { kind: 'worker'; key: string };

export async function readOverview(
  ctx: ReadContext,
  keys: RqKeys,
  prefix: string,
  queues: string[]
): Promise<QueueStats[]> {
  if (queues.length === 0) {
    return [];
  }
  const now = ctx.now / 1000;
  const first = ctx.client.pipeline();
  for (const q of queues) {
    first.llen(keys.queue(q));
    first.lindex(keys.queue(q), 0);
    first.zcard(keys.registry('wip', q));
    // StartedJobRegistry.get_expired_job_ids(): zrangebyscore(0, now)
    first.zcount(keys.registry('wip', q), 0, now);
    // What FailedJobRegistry/FinishedJobRegistry.count report after their cleanup():
    // entries at or below now have expired along with their job hash.
    first.zcount(keys.registry('failed', q), `(${now}`, '+inf');
    first.zcount(keys.registry('finished', q), `(${now}`, '+inf');
    first.zcard(keys.registry('scheduled', q));
    first.zcard(keys.registry('deferred', q));
    first.zrevrangebyscore(keys.registry('failed', q), '+inf', `(${now}`, 'WITHSCORES', 'LIMIT', 0, FAILED_SAMPLE);
    first.zrange(keys.registry('scheduled', q), '0', String(RETRY_SAMPLE - 1));
    first.smembers(keys.workersOf(q));
  }
  first.exists(keys.suspended);
  const replies = await execPipeline(first);
  const suspended = numberOf(replies[queues.length * PER_QUEUE]);

  const second = ctx.client.pipeline();
  const followUps: FollowUp[] = [];
  const workerKeys = new Map<string, number>();
  const queueWorkers: string[][] = [];
  const names = [
    'queue',
    'queue head',
    'wip',
    'wip expired',
    'failed',
    'finished',
    'scheduled',
    'deferred',
    'failed sample',
    'scheduled sample',
    'workers',
  ];
  const stats: QueueStats[] = queues.map((queue, i) => {
    const r = replies.slice(i * PER_QUEUE, (i + 1) * PER_QUEUE);
    r.forEach((reply, j) => {
      if (reply[0]) {
        ctx.notice('warning', `${queue}: ${names[j]}: ${reply[0].message}`);
      }
    });
    const oldestId = value<string | null>(r[1]);
    if (typeof oldestId === 'string') {
      second.hget(keys.job(oldestId), 'enqueued_at');
      followUps.push({ queue: i, kind: 'oldest' });
    }
    const failed = value<string[]>(r[8]) ?? [];
    for (let j = 0; j + 1 < failed.length; j += 2) {
      second.hmget(keys.job(failed[j]), 'ended_at', 'failure_ttl');
      followUps.push({ queue: i, kind: 'failed', score: Number(failed[j + 1]) });
    }
    for (const id of value<string[]>(r[9]) ?? []) {
      second.hget(keys.job(id), 'started_at');
      followUps.push({ queue: i, kind: 'scheduled' });
    }
    const members = (value<string[]>(r[10]) ?? []).filter((k) => workerFromKey(prefix, k) !== undefined);
    queueWorkers.push(members);
    for (const k of members) {
      if (!workerKeys.has(k)) {
        workerKeys.set(k, -1);
        second.hmget(k, 'death', 'birth');
        followUps.push({ kind: 'worker', key: k });
      }
    }
    const values: QueueStats['values'] = {
      wait: numberOf(r[0]),
      active: numberOf(r[2]),
      stalled: numberOf(r[3]),
      failed: numberOf(r[4]),
      completed: numberOf(r[5]),
      delayed: numberOf(r[6]),
      waiting_children: numberOf(r[7]),
      failed_in_range: 0,
      retries: 0,
      oldest_wait_seconds: 0,
      queue_paused: suspended === undefined ? undefined : suspended > 0 ? 1 : 0,
    };
    if ((values.failed ?? 0) > FAILED_SAMPLE) {
      ctx.notice(
        'info',
        `${queue}: failures in range counted among the newest ${FAILED_SAMPLE} of ${values.failed} failed jobs`
      );
    }
    if ((values.delayed ?? 0) > RETRY_SAMPLE) {
      ctx.notice(
        'info',
        `${queue}: retries counted among the first ${RETRY_SAMPLE} of ${values.delayed} scheduled jobs`
      );
    }
    return { queue, values };
  });

  const answers: Reply[] = followUps.length > 0 ? await execPipeline(second) : [];
  answers.forEach((reply, j) => {
    const f = followUps[j];
    if (f.kind === 'worker') {
      const [death, birth] = value<Array<string | null>>(reply) ?? [];
      // Gone (its key expired after missed heartbeats) or cleanly stopped: not serving.
      workerKeys.set(f.key, death === null && birth !== null && birth !== undefined ? 1 : 0);
      return;
    }
    const s = stats[f.queue];
    if (f.kind === 'oldest') {
      const at = parseTime(value<string>(reply));
      if (at !== undefined) {
        s.values.oldest_wait_seconds = Math.max(0, (ctx.now - at) / 1000);
      } else {
        delete s.values.oldest_wait_seconds;
        ctx.notice(
          'info',
          `${s.queue}: the oldest waiting job has no readable enqueued_at (taken meanwhile, or damaged)`
        );
      }
    } else if (f.kind === 'failed') {
      const [ended, ttl] = value<Array<string | null>>(reply) ?? [];
      let at = parseTime(ended);
      if (at === undefined && typeof ended === 'string' && Number.isFinite(f.score)) {
        // No ended_at (abandoned jobs failed by cleanup): score = failure time + failure_ttl.
        at = (f.score - (Number(ttl) || DEFAULT_FAILURE_TTL_S)) * 1000;
      }
      if (at !== undefined && at >= ctx.from && at <= ctx.to) {
        s.values.failed_in_range = (s.values.failed_in_range ?? 0) + 1;
      }
    } else if (f.kind === 'scheduled') {
      // Job.retry() keeps started_at; enqueue_in()/enqueue_at() jobs have never started.
      if (value<string>(reply)) {
        s.values.retries = (s.values.retries ?? 0) + 1;
      }
    }
  });
  stats.forEach((s, i) => {
    s.values.workers = queueWorkers[i].filter((k) => workerKeys.get(k) === 1).length;
  });
  return stats;
}
