/**
 * Completed and failed tasks per interval, from the result backend's date_done (the only
 * history Celery keeps in Redis): the same bounded SCAN as results.ts, bucketed in
 * memory. Results that expired (result_expires) or tasks with ignore_result are not seen.
 */
import type { Series } from '../../../../reading/series';
import type { ReadContext } from '../../job-system';
import { buckets } from '../../../../reading/buckets';
import { readResults, resultsForQueues, UNKNOWN_QUEUE } from './results';

const KINDS = [
  ['completed', 'SUCCESS'],
  ['failed', 'FAILURE'],
] as const;

export async function readThroughput(ctx: ReadContext, queues: string[]): Promise<Series[]> {
  if (queues.length === 0) {
    return [];
  }
  const { start, step, count } = buckets(ctx.from, ctx.to, ctx.intervalMs);
  const times = Array.from({ length: count }, (_, b) => start + b * step);
  const results = resultsForQueues(ctx, (await readResults(ctx)).results, queues);
  const labels = [...queues, ...(results.some((r) => r.queue === UNKNOWN_QUEUE) ? [UNKNOWN_QUEUE] : [])];
  const series: Series[] = [];
  for (const queue of labels) {
    for (const [metric, status] of KINDS) {
      const values = new Array<number>(count).fill(0);
      for (const r of results) {
        if (
          r.queue !== queue ||
          r.status !== status ||
          r.doneAt === undefined ||
          r.doneAt < ctx.from ||
          r.doneAt > ctx.to
        ) {
          continue;
        }
        const b = Math.floor((r.doneAt - start) / step);
        if (b >= 0 && b < count) {
          values[b]++;
        }
      }
      series.push({ metric, labels: { system: 'celery', queue, metric }, times, values });
    }
  }
  ctx.notice(
    'info',
    `throughput from the result backend's date_done (results not yet expired), ${step / 1000} s buckets`
  );
  return series;
}
