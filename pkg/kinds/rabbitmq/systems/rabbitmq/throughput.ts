/**
 * Message rates as counts per interval, from the management API's own samples
 * (message_stats.<op>_details.samples, asked for with msg_rates_age / msg_rates_incr).
 * Samples are cumulative counters, newest first; a value is the difference between two
 * neighbouring samples, stamped at the later one. The broker keeps them for its
 * retention policy only (by default an hour at one-minute resolution in "basic" mode).
 */
import type { Series } from '../../../../reading/series';
import type { QueueInfo } from './topology';

/** message_stats key → series metric. `completed` is an ack (the consumer finished). */
export const RATE_METRICS: Record<string, string> = {
  publish: 'published',
  deliver_get: 'delivered',
  ack: 'completed',
  redeliver: 'redelivered',
};

/** Most samples the management API returns for one range (its ?MAX_RANGE). */
const MAX_SAMPLES = 500;

/** Longest history the default retention policy keeps, seconds. */
export const MAX_RATE_AGE_S = 3600;

export function rateParams(
  fromMs: number,
  nowMs: number,
  intervalMs: number
): { msg_rates_age: number; msg_rates_incr: number } {
  const age = Math.max(10, Math.min(MAX_RATE_AGE_S, Math.ceil((nowMs - fromMs) / 1000)));
  // The API refuses more than MAX_SAMPLES samples a range ("Invalid range parameters").
  const wanted = Math.round(intervalMs / 1000 / 5) * 5 || 5;
  const incr = Math.max(5, Math.min(600, wanted), Math.ceil(age / MAX_SAMPLES / 5) * 5);
  return { msg_rates_age: Math.max(age, incr * 2), msg_rates_incr: incr };
}

export function queueSeries(q: QueueInfo, label: string, from: number, to: number, system = 'rabbitmq'): Series[] {
  const out: Series[] = [];
  const stats = q.message_stats ?? {};
  for (const [key, metric] of Object.entries(RATE_METRICS)) {
    const samples: Array<{ sample: number; timestamp: number }> | undefined = stats[`${key}_details`]?.samples;
    if (!Array.isArray(samples) || samples.length < 2) {
      continue;
    }
    const sorted = [...samples].sort((a, b) => a.timestamp - b.timestamp);
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 1; i < sorted.length; i++) {
      const t = sorted[i].timestamp;
      if (t < from || t > to + 60_000) {
        continue;
      }
      times.push(t);
      values.push(Math.max(0, sorted[i].sample - sorted[i - 1].sample));
    }
    if (times.length > 0) {
      out.push({ metric, labels: { system, queue: label, metric }, times, values });
    }
  }
  return out;
}
