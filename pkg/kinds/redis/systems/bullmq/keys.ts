/**
 * BullMQ's Redis layout (v5 and v6), as its Lua scripts write it, all under
 * `<prefix>:<queue>:`:
 *   wait (list, new jobs LPUSHed, workers take from the right), paused (list, v5 only:
 *   v6 leaves a paused queue's jobs in wait), active (list), delayed / prioritized /
 *   waiting-children / completed / failed (sorted sets), meta (hash: paused, version,
 *   opts.maxLenEvents), <jobId> (hash: name, data, opts, timestamp, processedOn,
 *   finishedOn, attemptsMade, failedReason, stacktrace).
 */
import { escapeGlob } from '../../scan';

export const DEFAULT_PREFIX = 'bull';

export function queueKey(prefix: string, queue: string, suffix: string): string {
  return `${prefix}:${queue}:${suffix}`;
}

/** `<prefix>:<queue>:<suffix>` → queue name; queue names may themselves contain colons. */
export function queueFromKey(prefix: string, key: string, suffix: string): string | undefined {
  const head = `${prefix}:`;
  const tail = `:${suffix}`;
  if (!key.startsWith(head) || !key.endsWith(tail) || key.length <= head.length + tail.length) {
    return undefined;
  }
  return key.slice(head.length, key.length - tail.length);
}

/** The glob SCAN uses to find queues by a key each one keeps: `<prefix>:*:<suffix>`. */
export function queueKeyPattern(prefix: string, suffix: string): string {
  return `${escapeGlob(prefix)}:*:${escapeGlob(suffix)}`;
}

/** Fields of `<prefix>:<queue>:meta` that only BullMQ writes; Bull 3/4 writes at most `paused` there. */
export const BULLMQ_META_FIELDS = ['version', 'opts.maxLenEvents'] as const;

/**
 * Whether an HMGET of BULLMQ_META_FIELDS says the queue is BullMQ's (version "bullmq:x.y.z"
 * or an events trim setting). A meta key that could not be read as a hash (undefined) is
 * left to BullMQ, which reads it with a notice (Bull writes meta only as a hash).
 */
export function isBullMQMeta(fields: ReadonlyArray<string | null> | undefined): boolean {
  if (fields === undefined) {
    return true;
  }
  const [version, maxLen] = fields;
  return (version ?? '').startsWith('bullmq') || maxLen !== null;
}
