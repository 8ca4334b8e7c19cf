/**
 * Completed and failed RQ jobs per interval. RQ keeps no counters over time (a worker's
 * successful_job_count / failed_job_count are lifetime totals of that worker), and its
 * registries are scored by expiry, not by end time (finished: ended_at + result_ttl,
 * default 500 s; failed: ended_at + failure_ttl, default 1 year). So the series are built
 * from the jobs RQ still keeps: two pipelined rounds,
 *   1. per queue: ZREVRANGEBYSCORE finished/failed (now, +inf] LIMIT THROUGHPUT_SAMPLE
 *   2. per job: HGET ended_at (O(1))
 * and bucketed by ended_at. A notice says that buckets older than the retention count only
 * the jobs not yet expired.
 */
import type { Series } from '../../../../reading/series';
import type { ReadContext } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import { buckets } from '../../../../reading/buckets';
import type { RqKeys } from './keys';
import { parseTime } from './keys';

export const THROUGHPUT_SAMPLE = 2000;
const KINDS = [
  ['completed', 'finished'],
  ['failed', 'failed'],
] as const;

export async function readThroughput(ctx: ReadContext, keys: RqKeys, queues: string[]): Promise<Series[]> {
  if (queues.length === 0) {
    return [];
  }
  const now = ctx.now / 1000;
  const first = ctx.client.pipeline();
  for (const q of queues) {
    KINDS.forEach(([, registry]) =>
      first.zrevrangebyscore(keys.registry(registry, q), '+inf', `(${now}`, 'LIMIT', 0, THROUGHPUT_SAMPLE)
    );
  }
  const ids = await execPipeline(first);
  const second = ctx.client.pipeline();
  const plan: Array<{ series: number }> = [];
  const { start, step, count } = buckets(ctx.from, ctx.to, ctx.intervalMs);
  const times = Array.from({ length: count }, (_, b) => start + b * step);
  const series: Series[] = [];
  let sampled = false;
  queues.forEach((queue, i) => {
    KINDS.forEach(([metric], j) => {
      const list = value<string[]>(ids[i * KINDS.length + j]) ?? [];
      sampled ||= list.length >= THROUGHPUT_SAMPLE;
      series.push({ metric, labels: { system: 'rq', queue, metric }, times, values: new Array<number>(count).fill(0) });
      for (const id of list) {
        second.hget(keys.job(id), 'ended_at');
        plan.push({ series: series.length - 1 });
      }
    });
  });
  if (plan.length > 0) {
    const replies = await execPipeline(second);
    replies.forEach((reply, j) => {
      const t = parseTime(value<string>(reply));
      const b = t === undefined ? -1 : Math.floor((t - start) / step);
      if (t !== undefined && t >= ctx.from && t <= ctx.to && b >= 0 && b < count) {
        series[plan[j].series].values[b]++;
      }
    });
  }
  ctx.notice(
    'info',
    `RQ keeps no throughput history: counted by ended_at among the jobs still kept (finished jobs expire after result_ttl, default 500 s; failures after failure_ttl, default 1 year)${sampled ? `, newest ${THROUGHPUT_SAMPLE} per registry` : ''}, ${step / 1000} s buckets`
  );
  return series;
}
