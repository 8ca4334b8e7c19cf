/**
 * One Sidekiq job (the JSON stored in a queue list, a sorted set or a work entry) turned
 * into a JobRow. Pure: no Redis access. Never throws on bad data.
 */
import { inflateSync } from 'zlib';
import type { JobRow } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent } from '../../../../reading/payload';
import { epochMs } from './keys';

/** Jobs larger than this are shown by size and preview only (already read: not parsed). */
export const MAX_PARSE_BYTES = 16 * 1024 * 1024;
/** Decompressed backtraces are capped at this size. */
export const MAX_BACKTRACE_BYTES = 256 * 1024;

export interface ParsedJob {
  raw: string | Buffer;
  bytes: number;
  /** undefined when the entry is not a JSON object (or too big to parse). */
  job?: Record<string, any>;
}

export function parseJob(raw: string | Buffer): ParsedJob {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (bytes > MAX_PARSE_BYTES) {
    return { raw, bytes };
  }
  try {
    const job = JSON.parse(raw.toString());
    return { raw, bytes, job: job && typeof job === 'object' && !Array.isArray(job) ? job : undefined };
  } catch {
    return { raw, bytes };
  }
}

/** ActiveJob wraps the real class: Sidekiq's display_class shows `wrapped`. */
export function jobName(job: Record<string, any>): string | undefined {
  const name = typeof job.wrapped === 'string' ? job.wrapped : job.class;
  return typeof name === 'string' ? name : undefined;
}

/** When the job last failed: retried_at (later attempts) or failed_at (first), in ms. */
export function failedAtMs(job: Record<string, any>): number | undefined {
  return epochMs(job.retried_at) ?? epochMs(job.failed_at);
}

/**
 * error_backtrace: an array (old format) or base64 of zlib-deflated JSON (6.x+), inflated
 * with an output cap; a backtrace marshalled by Sidekiq < 6 is not decoded.
 */
export function backtrace(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    return value.map(String).join('\n');
  }
  if (typeof value !== 'string' || value === '') {
    return undefined;
  }
  let text: string;
  try {
    text = inflateSync(Buffer.from(value, 'base64'), { maxOutputLength: MAX_BACKTRACE_BYTES }).toString('utf8');
  } catch (err) {
    return /too large|maxOutputLength|ERR_BUFFER_TOO_LARGE/i.test(
      String((err as Error).message) + ((err as any).code ?? '')
    )
      ? `(compressed backtrace larger than ${MAX_BACKTRACE_BYTES} bytes once inflated: not shown)`
      : '(unreadable compressed backtrace)';
  }
  try {
    const lines = JSON.parse(text);
    return Array.isArray(lines) ? lines.map(String).join('\n') : String(lines);
  } catch {
    return '(backtrace in Ruby Marshal format: not decoded)';
  }
}

export function jobRow(
  queue: string,
  state: string,
  parsed: ParsedJob,
  payloadLimit: number,
  extra: Partial<JobRow> = {}
): JobRow {
  const job = parsed.job;
  const payload = describePayload(parsed.raw, payloadLimit);
  if (!job) {
    return { queue, id: '(unreadable job)', state, payload, ...extra };
  }
  const retryCount = Number(job.retry_count);
  const errorText = [job.error_class, job.error_message].filter((x) => typeof x === 'string' && x !== '').join(': ');
  return {
    queue: typeof job.queue === 'string' ? job.queue : queue,
    id: typeof job.jid === 'string' ? job.jid : '(no jid)',
    name: jobName(job),
    state,
    // retry_count is 0 after the first failure: attempts made = retry_count + 1.
    attempts: job.retry_count !== undefined && Number.isFinite(retryCount) ? retryCount + 1 : undefined,
    createdAt: epochMs(job.created_at) ?? epochMs(job.enqueued_at),
    error: errorText || undefined,
    stacktrace: backtrace(job.error_backtrace),
    finishedAt: failedAtMs(job),
    traceId: traceIdFromTraceparent(job.traceparent),
    payload,
    ...extra,
  };
}
