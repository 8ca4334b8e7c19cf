/**
 * Completed and failed jobs over time, for all queues together (Sidekiq counts per
 * process, not per queue), from one pipelined round trip:
 *   - per minute in the range and in the last 8 h: HGETALL of the 7.x (`j|YYYYMMDD|H:M`)
 *     and 8.x (`j|YYMMDD|H:MM`) metrics hashes {<Class>|p, <Class>|f, <Class>|ms}, which
 *     Sidekiq 7+ writes every beat with an 8 h TTL (metrics/tracking.rb);
 *   - per day in the range: GET stat:processed:<YYYY-MM-DD>, stat:failed:<…> (all versions).
 * Per-minute data is used when it exists and covers the range; otherwise daily counts.
 * "processed" counts failed executions too: completed = processed − failed.
 */
import type { Series } from '../../../../reading/series';
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, value } from '../../job-system';
import { dayString, minuteKeys, sidekiqKey } from './keys';
import { ALL_QUEUES } from './overview';

const MINUTE = 60_000;
const DAY = 86_400_000;
const MINUTE_METRICS_TTL = 8 * 3600_000;
export const MAX_DAYS = 400;

function series(kind: 'completed' | 'failed', times: number[], values: number[]): Series {
  return { metric: kind, labels: { system: 'sidekiq', queue: ALL_QUEUES, metric: kind }, times, values };
}

export async function readThroughput(ctx: ReadContext, ns: string): Promise<Series[]> {
  const from = Math.min(ctx.from, ctx.to);
  const to = Math.max(ctx.from, ctx.to);
  const firstMinute = Math.floor(Math.max(from, ctx.now - MINUTE_METRICS_TTL) / MINUTE) * MINUTE;
  const minutes: number[] = [];
  for (let t = firstMinute; t <= Math.min(to, ctx.now); t += MINUTE) {
    minutes.push(t);
  }
  let days: number[] = [];
  for (let t = Math.floor(from / DAY) * DAY; t <= to; t += DAY) {
    days.push(t);
  }
  if (days.length > MAX_DAYS) {
    ctx.notice('info', `daily counts limited to the last ${MAX_DAYS} days of the range`);
    days = days.slice(-MAX_DAYS);
  }

  const p = ctx.client.pipeline();
  minutes.forEach((t) => minuteKeys(ns, t).forEach((k) => p.hgetall(k)));
  days.forEach((t) => {
    p.get(sidekiqKey(ns, `stat:processed:${dayString(t)}`));
    p.get(sidekiqKey(ns, `stat:failed:${dayString(t)}`));
  });
  const replies = await execPipeline(p);

  const perMinute = minutes.map((_, i) => {
    let processed = 0;
    let failed = 0;
    let found = false;
    for (const reply of [replies[i * 2], replies[i * 2 + 1]]) {
      const hash = value<Record<string, string>>(reply) ?? {};
      for (const [field, n] of Object.entries(hash)) {
        found = true;
        if (field.endsWith('|p')) {
          processed += Number(n) || 0;
        } else if (field.endsWith('|f')) {
          failed += Number(n) || 0;
        }
      }
    }
    return { processed, failed, found };
  });
  const covered = from >= ctx.now - MINUTE_METRICS_TTL;
  if (covered && perMinute.some((m) => m.found)) {
    const step = Math.max(MINUTE, Math.ceil(ctx.intervalMs / MINUTE) * MINUTE);
    const start = Math.floor(from / step) * step;
    const count = Math.max(1, Math.ceil((to - start + 1) / step));
    const times = Array.from({ length: count }, (_, b) => start + b * step);
    const done = new Array<number>(count).fill(0);
    const failed = new Array<number>(count).fill(0);
    minutes.forEach((t, i) => {
      const b = Math.floor((t - start) / step);
      if (b >= 0 && b < count) {
        done[b] += Math.max(0, perMinute[i].processed - perMinute[i].failed);
        failed[b] += perMinute[i].failed;
      }
    });
    ctx.notice('info', `throughput from Sidekiq 7+ per-minute metrics (all queues together, ${step / 1000} s buckets)`);
    return [series('completed', times, done), series('failed', times, failed)];
  }

  const base = minutes.length * 2;
  const times = days.map((t) => Math.max(t, from));
  const done: number[] = [];
  const failed: number[] = [];
  days.forEach((_, i) => {
    const procd = numberOf(replies[base + i * 2]) ?? 0;
    const fails = numberOf(replies[base + i * 2 + 1]) ?? 0;
    done.push(Math.max(0, procd - fails));
    failed.push(fails);
  });
  ctx.notice(
    'info',
    covered
      ? 'throughput from Sidekiq daily counters (stat:processed/failed:<date>, all queues together): no per-minute metrics found (Sidekiq 7+ writes them)'
      : 'throughput from Sidekiq daily counters (stat:processed/failed:<date>, all queues together): per-minute metrics cover only the last 8 h'
  );
  return [series('completed', times, done), series('failed', times, failed)];
}
