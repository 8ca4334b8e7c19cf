/**
 * Sidekiq's Redis layout (6.x, 7.x, 8.x), as read in sidekiq/sidekiq lib/sidekiq/{client,
 * fetch,launcher,processor,job_retry,api,metrics/tracking}.rb. Every key is prefixed
 * `<namespace>:` when the app uses redis-namespace (setting `sidekiqNamespace`).
 *   queues                 set of queue names (Queue.all: SSCAN queues)
 *   queue:<q>              list of job JSON; LPUSH on enqueue, BRPOP from the right, so
 *                          the oldest job is at index -1 (Queue#latency: LINDEX -1)
 *   schedule, retry, dead  sorted sets of job JSON, score = epoch SECONDS (float) in every
 *                          version (retry: next attempt, schedule: run time, dead: death)
 *   processes              set of process identities ("host:pid:nonce")
 *   <identity>             hash: info (JSON: hostname, pid, queues, concurrency (≤7.x),
 *                          started_at, tag, capsules (8.x)…), busy, beat (float seconds),
 *                          quiet, rss, rtt_us, concurrency (8.x); EXPIRE 60 s per beat
 *   <identity>:workers     6.x — hash tid → JSON {queue, payload (job JSON string), run_at}
 *   <identity>:work        7.x/8.x — same; both EXPIRE 60 s, rewritten every beat
 *   stat:processed, stat:failed                 global counters (processed counts failures too)
 *   stat:processed:<YYYY-MM-DD>, stat:failed:<…> daily counters (UTC), kept 5 years
 *   j|<YYYYMMDD>|<H>:<M>   7.x per-minute hash {<Class>|p, <Class>|f, <Class>|ms}, 8 h TTL
 *   j|<YYMMDD>|<H>:<MM>    8.x per-minute hash, same fields (plus 10-minute `…|<H>:<M/10>`)
 * Job JSON: class, args, jid, queue, created_at, enqueued_at (float seconds up to 7.x,
 * integer ms from 8.0), retry_count, error_class, error_message, failed_at, retried_at,
 * error_backtrace (base64 of zlib-deflated JSON array), traceparent (OpenTelemetry).
 */

export function sidekiqKey(namespace: string, key: string): string {
  return namespace ? `${namespace}:${key}` : key;
}

/**
 * A job timestamp in epoch ms. Sidekiq ≤ 7 writes float seconds, 8.x integer ms; decided
 * per value by magnitude (1e11 s is the year 5138, 1e11 ms is 1973).
 */
export function epochMs(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) {
    return undefined;
  }
  return n > 1e11 ? n : n * 1000;
}

/** The per-minute metrics keys (7.x and 8.x spellings) of the UTC minute holding `t`. */
export function minuteKeys(namespace: string, t: number): [string, string] {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const mo = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  return [
    sidekiqKey(namespace, `j|${y}${mo}${day}|${h}:${m}`),
    sidekiqKey(namespace, `j|${String(y).slice(2)}${mo}${day}|${h}:${String(m).padStart(2, '0')}`),
  ];
}

/** `YYYY-MM-DD` (UTC) of the daily stat keys. */
export function dayString(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
