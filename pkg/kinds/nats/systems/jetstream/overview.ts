/**
 * Per-consumer instant values. A queue is `<stream>/<consumer>`; everything comes from the
 * consumer info of one paged $JS.API.CONSUMER.LIST.<stream> call a stream:
 *   wait    = num_pending      messages matching the consumer not delivered yet
 *   active  = num_ack_pending  delivered, not acknowledged yet (in a worker's hands)
 *   retries = num_redelivered  delivered more than once and still unacknowledged
 *   workers = num_waiting      pull requests waiting for messages (idle pull workers);
 *                              push consumers have none (0)
 *   oldest_wait_seconds        age of the oldest message not delivered yet (the first one
 *                              after delivered.stream_seq that matches the consumer), read
 *                              with one $JS.API.STREAM.MSG.GET (no delivery, no ack) per
 *                              consumer that has messages pending
 *   dead                       max-deliveries + terminated advisories captured for the
 *                              consumer in the advisory stream (see advisories.ts)
 */
import type { ConsumerInfo, JetStreamManager, StreamInfo } from 'nats';
import type { QueueStats } from '../../../../reading/rows';

export function consumerValues(ci: ConsumerInfo): QueueStats['values'] {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const values: QueueStats['values'] = {};
  const set = (k: keyof QueueStats['values'], v: unknown) => {
    const n = num(v);
    if (n !== undefined) {
      values[k] = n;
    }
  };
  set('wait', ci.num_pending);
  set('active', ci.num_ack_pending);
  set('retries', ci.num_redelivered);
  set('workers', ci.num_waiting);
  if ((ci.num_pending ?? 0) === 0) {
    values.oldest_wait_seconds = 0;
  }
  return values;
}

/** The subjects a consumer reads (none means the whole stream). */
export function consumerFilters(ci: ConsumerInfo): string[] {
  const c = ci.config as { filter_subject?: string; filter_subjects?: string[] };
  if (c.filter_subjects?.length) {
    return c.filter_subjects;
  }
  return c.filter_subject ? [c.filter_subject] : [];
}

/** At most this many filter subjects are looked up for one consumer's oldest message. */
const MAX_FILTER_LOOKUPS = 4;

/**
 * Time (epoch ms) of the oldest message waiting for the consumer: the first stored message
 * after delivered.stream_seq that matches its filter (what it would deliver next; the wait
 * latency, as for the other systems, leaves out messages already in a worker's hands).
 * Read-only message gets ($JS.API.STREAM.MSG.GET with seq / next_by_subj). Undefined when
 * there is none any more (deleted, or the consumer's filters are too many to look up).
 */
export async function oldestUndeliveredTime(
  jsm: JetStreamManager,
  stream: StreamInfo,
  ci: ConsumerInfo
): Promise<number | undefined> {
  const seq = Math.max((ci.delivered?.stream_seq ?? 0) + 1, stream.state.first_seq ?? 1);
  const filters = consumerFilters(ci);
  if (filters.length > MAX_FILTER_LOOKUPS) {
    return undefined;
  }
  const queries: Array<Record<string, unknown>> = filters.length
    ? filters.map((f) => ({ seq, next_by_subj: f }))
    : [{ seq }];
  const times = await Promise.all(
    queries.map((q) =>
      jsm.streams
        .getMessage(stream.config.name, q as never)
        .then((m) => Date.parse(m.timestamp))
        .catch((err) => {
          if (
            (err as { code?: unknown })?.code === '404' ||
            (err as { api_error?: { code?: number } })?.api_error?.code === 404
          ) {
            return undefined;
          }
          throw err;
        })
    )
  );
  const found = times.filter((t): t is number => t !== undefined && Number.isFinite(t));
  return found.length ? Math.min(...found) : undefined;
}

/** Last delivery/ack time reported by the server (delivered/ack_floor.last_active; present on 2.9.10). */
export function lastActive(ci: ConsumerInfo): number | undefined {
  const times = [
    (ci.delivered as unknown as { last_active?: unknown })?.last_active,
    (ci.ack_floor as unknown as { last_active?: unknown })?.last_active,
  ]
    .map((t) => (typeof t === 'string' ? Date.parse(t) : NaN))
    .filter((t) => Number.isFinite(t) && t > 0);
  return times.length ? Math.max(...times) : undefined;
}
