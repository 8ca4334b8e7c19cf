/**
 * Peeking messages (dead-letter queues above all) through the management API:
 * POST /api/queues/<vhost>/<queue>/get with ackmode ack_requeue_true. That is a basic.get
 * followed by a requeue: the messages stay, but they are marked redelivered, may move
 * within the queue, and on quorum queues count as a delivery attempt (delivery-limit).
 * Hence off unless the data source sets allowPeek. Streams do not support basic.get: they
 * are read by an AMQP consumer instead (stream.ts), which has no side effect.
 */
import type { JobRow } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent, tryJSON } from '../../../../reading/payload';
import type { FailureSample } from '../../../../reading/failure-reasons';

export interface PeekedMessage {
  payload_bytes: number;
  redelivered: boolean;
  exchange: string;
  routing_key: string;
  payload: string;
  payload_encoding: 'string' | 'base64';
  properties?: {
    headers?: Record<string, unknown>;
    message_id?: string;
    correlation_id?: string;
    timestamp?: number;
    type?: string;
    content_type?: string;
  };
}

export interface XDeath {
  count?: number;
  reason?: string;
  queue?: string;
  time?: number;
  exchange?: string;
  'routing-keys'?: string[];
}

export const PEEK_DISABLED_NOTICE =
  'Message browsing is off for this data source: RabbitMQ can only show messages of classic and quorum queues by taking them (basic.get) and requeueing them, ' +
  "which marks them redelivered, can reorder them and, on quorum queues, raises each message's x-delivery-count and counts toward the delivery-limit " +
  '(past it the broker drops or dead-letters the message). Enable "allow peek" (jsonData.allowPeek) to browse them. ' +
  'Stream queues are read without side effects and need no allow peek.';

/** What a peek did on a quorum queue; `limit` is the queue's delivery-limit if it has one. */
export function quorumPeekNotice(label: string, limit: number | undefined, counts: number[]): string {
  const highest = counts.length ? Math.max(...counts) + 1 : 1;
  const base =
    `${label} is a quorum queue: this peek counted as one delivery of each message read ` +
    `(x-delivery-count is now up to ${highest})`;
  if (limit === undefined) {
    return `${base}; it has no delivery-limit, so nothing is dropped`;
  }
  const left = limit - highest;
  return left > 0
    ? `${base}; its delivery-limit is ${limit}: ${left} more peek(s) and the most-read message is dropped or dead-lettered`
    : `${base}; its delivery-limit is ${limit}: the next peek drops or dead-letters the most-read message(s)`;
}

/**
 * A quorum queue's delivery-limit: the x-delivery-limit argument or the delivery-limit
 * policy key; with both, RabbitMQ applies the lower.
 */
export function deliveryLimit(
  args: Record<string, unknown> | undefined,
  policy: Record<string, unknown> | [] | undefined
): { limit: number; via: 'arguments' | 'policy' } | undefined {
  const a = typeof args?.['x-delivery-limit'] === 'number' ? (args['x-delivery-limit'] as number) : undefined;
  const p0 = Array.isArray(policy) ? undefined : policy?.['delivery-limit'];
  const p = typeof p0 === 'number' ? p0 : undefined;
  if (a === undefined && p === undefined) {
    return undefined;
  }
  if (p === undefined || (a !== undefined && a <= p)) {
    return { limit: a!, via: 'arguments' };
  }
  return { limit: p, via: 'policy' };
}

export function peekRequest(limit: number, payloadLimit: number) {
  return { count: limit, ackmode: 'ack_requeue_true', encoding: 'auto', truncate: payloadLimit };
}

/**
 * The x-death history, most recent first. Without it (RabbitMQ 3.10 drops the x-death array
 * from messages stored in a stream), the x-first-death-* headers still name the first death.
 */
function xDeaths(headers: Record<string, unknown>): XDeath[] {
  const v = headers['x-death'];
  if (Array.isArray(v)) {
    return v as XDeath[];
  }
  const reason = headers['x-first-death-reason'];
  const queue = headers['x-first-death-queue'];
  return typeof reason === 'string' || typeof queue === 'string'
    ? [
        {
          reason: typeof reason === 'string' ? reason : undefined,
          queue: typeof queue === 'string' ? queue : undefined,
        },
      ]
    : [];
}

const num = (v: unknown) =>
  typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** One peeked message → a job row (Celery protocol 2 headers give name, id, retries). */
export function messageRow(
  m: PeekedMessage,
  queue: string,
  state: string,
  index: number,
  payloadLimit: number,
  fallbackId = `#${index + 1}`
): JobRow {
  const props = m.properties ?? {};
  const headers = props.headers ?? {};
  const deaths = xDeaths(headers);
  const last = deaths[0]; // RabbitMQ keeps the most recent death first
  const raw = m.payload_encoding === 'base64' ? Buffer.from(m.payload, 'base64') : Buffer.from(m.payload ?? '', 'utf8');
  const payload = describePayload(raw, payloadLimit);
  if (m.payload_bytes > raw.length) {
    payload.bytes = m.payload_bytes;
    payload.truncated = true;
  }
  const celeryRetries = num(headers.retries);
  const deathCount = deaths.reduce((n, d) => n + (num(d.count) ?? 0), 0);
  const exceptionMessage = str(headers['x-exception-message']) ?? str(headers.exception);
  const deathText = last
    ? `${last.reason ?? 'dead-lettered'} from ${last.queue ?? '?'}${deathCount > 1 ? ` (${deathCount}×)` : ''}`
    : undefined;
  const traceparent =
    headers.traceparent ?? tryJSON(typeof headers.traceparent === 'string' ? headers.traceparent : undefined);
  return {
    queue,
    id: str(headers.id) ?? str(props.message_id) ?? str(props.correlation_id) ?? fallbackId,
    name: str(headers.task) ?? str(props.type) ?? str(m.routing_key),
    state,
    attempts: celeryRetries !== undefined ? celeryRetries + 1 : deathCount || undefined,
    createdAt: num(props.timestamp) !== undefined ? num(props.timestamp)! * 1000 : undefined,
    finishedAt: last && num(last.time) !== undefined ? num(last.time)! * 1000 : undefined,
    error: exceptionMessage ? (deathText ? `${exceptionMessage} [${deathText}]` : exceptionMessage) : deathText,
    stacktrace: str(headers['x-exception-stacktrace']),
    payload,
    traceId: traceIdFromTraceparent(traceparent),
  };
}

/** A peeked message as a failure sample: the exception header when present, else the dead-letter reason. */
export function failureSample(m: PeekedMessage, row: JobRow): FailureSample {
  const headers = m.properties?.headers ?? {};
  const last = xDeaths(headers)[0];
  const death = last ? `${last.reason ?? 'dead-lettered'} from ${last.queue ?? '?'}` : 'no x-death header';
  const exceptionMessage = str(headers['x-exception-message']) ?? str(headers.exception);
  return exceptionMessage
    ? { queue: row.queue, jobId: row.id, errorClass: death, message: exceptionMessage, at: row.finishedAt }
    : { queue: row.queue, jobId: row.id, message: death, at: row.finishedAt };
}
