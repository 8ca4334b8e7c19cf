/**
 * Completed and failed jobs per interval. Two sources, in order of preference:
 *  - the metrics BullMQ workers record when started with the `metrics` option:
 *    hash `<q>:metrics:<completed|failed>` {count, prevTS, prevCount} and list
 *    `<q>:metrics:<…>:data` of per-minute counts, newest first (LRANGE, bounded);
 *  - otherwise the completed/failed sorted sets, scored by finish time: one ZCOUNT per
 *    bucket (O(log n)); they hold only the jobs not yet removed (removeOnComplete/Fail).
 * All queues and buckets go in one pipeline (plus one to see which source exists).
 */
import type { Series } from '../../../../reading/series';
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { queueKey } from './keys';
import { buckets } from '../../../../reading/buckets';

const MINUTE = 60_000;
const KINDS = ['completed', 'failed'] as const;

/**
 * `system` labels the series; Bull 4 keeps the same metrics hash and list (its
 * collectMetrics.lua is BullMQ's) and the same completed/failed sets.
 */
export async function readThroughput(
  ctx: ReadContext,
  prefix: string,
  queues: string[],
  system: 'bullmq' | 'bull' = 'bullmq'
): Promise<Series[]> {
  if (queues.length === 0) {
    return [];
  }
  const probe = ctx.client.pipeline();
  for (const q of queues) {
    KINDS.forEach((k) => probe.hmget(queueKey(prefix, q, `metrics:${k}`), 'prevTS', 'count', 'prevCount'));
  }
  const probes = await execPipeline(probe);
  const { start, step, count } = buckets(ctx.from, ctx.to, ctx.intervalMs);
  const minutes = Math.min(Math.ceil((ctx.to - ctx.from) / MINUTE) + 1, 60 * 24 * 14);

  const p = ctx.client.pipeline();
  const plan: Array<{
    queue: string;
    kind: (typeof KINDS)[number];
    source: 'metrics' | 'sorted set';
    prevTS?: number;
    current?: number;
  }> = [];
  queues.forEach((q, i) => {
    KINDS.forEach((kind, j) => {
      const [prevTS, total, prevCount] = (value<Array<string | null>>(probes[i * 2 + j]) ?? []).map(Number);
      if (Number.isFinite(prevTS) && prevTS > 0) {
        p.lrange(queueKey(prefix, q, `metrics:${kind}:data`), 0, minutes - 1);
        // Jobs since prevTS are not in the list yet: they belong to prevTS's minute.
        plan.push({ queue: q, kind, source: 'metrics', prevTS, current: (total || 0) - (prevCount || 0) });
      } else {
        for (let b = 0; b < count; b++) {
          p.zcount(queueKey(prefix, q, kind), start + b * step, `(${start + (b + 1) * step}`);
        }
        plan.push({ queue: q, kind, source: 'sorted set' });
      }
    });
  });
  const replies = await execPipeline(p);
  const sources = new Set(plan.map((x) => x.source));
  let at = 0;
  const times = Array.from({ length: count }, (_, b) => start + b * step);
  const series = plan.map((item) => {
    const values = new Array<number>(count).fill(0);
    if (item.source === 'metrics') {
      // The worker's script LPUSHes one count per elapsed minute when a new minute starts,
      // then moves prevTS to now: data[0] is the minute before prevTS's, data[1] the one
      // before that, and so on.
      const perMinute = [String(item.current ?? 0), ...(value<string[]>(replies[at++]) ?? [])];
      const current = Math.floor(item.prevTS! / MINUTE) * MINUTE;
      perMinute.forEach((n, k) => {
        const t = current - k * MINUTE;
        const b = Math.floor((t - start) / step);
        if (t >= ctx.from && t <= ctx.to && b >= 0 && b < count) {
          values[b] += Number(n) || 0;
        }
      });
    } else {
      for (let b = 0; b < count; b++) {
        values[b] = numberOf(replies[at++]) ?? 0;
      }
    }
    return { metric: item.kind, labels: { system, queue: item.queue, metric: item.kind }, times, values };
  });
  ctx.notice(
    'info',
    `throughput from ${[...sources].map((s) => (s === 'metrics' ? `${system === 'bull' ? 'Bull' : 'BullMQ'} worker metrics (per minute)` : 'completed/failed sets by finish time (jobs not yet removed)')).join(' and ')}, ${step / 1000} s buckets`
  );
  return series;
}
