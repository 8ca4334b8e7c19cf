/** Time buckets for throughput series, shared by every adapter that counts finished jobs. */

const MINUTE = 60_000;
/** A series never has more points than this, whatever the range and interval. */
export const MAX_BUCKETS = 240;

/** Bucket edges covering [from, to] at `interval` (a minute at least), at most MAX_BUCKETS. */
export function buckets(from: number, to: number, intervalMs: number): { start: number; step: number; count: number } {
  const span = Math.max(1, to - from);
  const step = Math.max(intervalMs, MINUTE, Math.ceil(span / MAX_BUCKETS / MINUTE) * MINUTE);
  const start = Math.floor(from / step) * step;
  return { start, step, count: Math.max(1, Math.ceil((to - start) / step)) };
}
