/**
 * Reading the newest messages of a stream-type queue (a stream used as a dead-letter queue,
 * say) without side effects: one AMQP connection, a channel per stream with basic.qos
 * prefetch (streams refuse consumers without it), basic.consume with the consumer argument
 * x-stream-offset = (messages − N) so that the newest N messages arrive, stop after N (or
 * when nothing more comes), basic.cancel, close.
 *
 * Why this changes nothing: a stream is an append-only log that never deletes messages on
 * consumption; an offset that does not exist is clamped to the start or end of the log, and
 * acks only serve as credit to advance this consumer's own offset (RabbitMQ's "Streams"
 * guide, rabbitmq-website versioned_docs/version-3.13/streams.md, sections "Consuming" and
 * "Other Stream Operations"). What is visible afterwards: the stream's deliver/ack counters
 * in message_stats grow, and for the duration of the read one consumer is attached.
 * Needs only read permission on the queue; no allowPeek.
 *
 * Cost: one connection and one consume per stream read, at most N messages transferred
 * (whole bodies: previews are cut afterwards), bounded by STREAM_READ_TIMEOUT_MS.
 */
import type * as amqp from 'amqplib';
import { connectAmqp, describeAmqpError } from '../../amqp';
import type { PeekedMessage } from './dlq';
import type { RabbitSettings } from '../../settings';

/** Longest a stream read waits for its messages before it returns what arrived. */
export const STREAM_READ_TIMEOUT_MS = 3_000;
/** A stream read also ends after this long without a new message. */
const STREAM_IDLE_MS = 400;
const MAX_PREFETCH = 100;

/**
 * The AMQP URL of `vhost`: the configured AMQP URL with its path replaced, else the
 * management URL's host on the AMQP port (5672, or 5671 for https).
 */
export function amqpUrlFor(s: RabbitSettings, vhost: string): { url: string; derived: boolean } {
  let u: URL;
  let derived = false;
  if (s.amqpUrl) {
    u = new URL(s.amqpUrl);
  } else if (s.managementUrl) {
    const m = new URL(s.managementUrl);
    const tls = m.protocol === 'https:';
    u = new URL(
      `${tls ? 'amqps' : 'amqp'}://${m.hostname.includes(':') ? `[${m.hostname}]` : m.hostname}:${tls ? 5671 : 5672}/`
    );
    derived = true;
  } else {
    throw new Error('no URL');
  }
  u.pathname = '/' + encodeURIComponent(vhost);
  return { url: u.toString(), derived };
}

/** amqplib decodes AMQP timestamps inside tables as {'!': 'timestamp', value}. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(plain);
  }
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) {
    const o = v as Record<string, unknown>;
    if (o['!'] === 'timestamp' && 'value' in o) {
      return o.value;
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plain(x)]));
  }
  if (Buffer.isBuffer(v)) {
    return v.toString('base64');
  }
  return v;
}

/** An amqplib delivery in the shape of a management API /get answer (the body kept whole). */
export function deliveryAsPeeked(m: amqp.ConsumeMessage, payloadLimit: number): PeekedMessage & { offset?: number } {
  const p = m.properties;
  const headers = (plain(p.headers ?? {}) as Record<string, unknown>) ?? {};
  const offset = typeof headers['x-stream-offset'] === 'number' ? (headers['x-stream-offset'] as number) : undefined;
  return {
    payload_bytes: m.content.length,
    redelivered: m.fields.redelivered,
    exchange: m.fields.exchange,
    routing_key: m.fields.routingKey,
    // only what a preview can show is kept (binary-safe: base64 of the first bytes)
    payload: m.content.subarray(0, Math.max(payloadLimit, 0) + 1).toString('base64'),
    payload_encoding: 'base64',
    properties: {
      headers,
      message_id: p.messageId,
      correlation_id: p.correlationId,
      timestamp: typeof p.timestamp === 'number' ? p.timestamp : undefined,
      type: p.type,
      content_type: p.contentType,
    },
    offset,
  };
}

export interface StreamTarget {
  vhost: string;
  name: string;
  /** messages the listing reported for the stream (its retained length). */
  messages: number;
  /** how many of the newest to read */
  limit: number;
}

/** Reads the newest `limit` messages of each stream, in offset order. */
export async function readStreams(
  s: RabbitSettings,
  targets: StreamTarget[]
): Promise<Map<string, Array<PeekedMessage & { offset?: number }>>> {
  const out = new Map<string, Array<PeekedMessage & { offset?: number }>>();
  const byVhost = new Map<string, StreamTarget[]>();
  for (const t of targets) {
    byVhost.set(t.vhost, [...(byVhost.get(t.vhost) ?? []), t]);
  }
  for (const [vhost, streams] of byVhost) {
    const { url } = amqpUrlFor(s, vhost);
    const conn = await connectAmqp({ ...s, amqpUrl: url });
    try {
      for (const t of streams) {
        let got = await readNewest(conn, t, Math.max(0, t.messages - t.limit), s.payloadLimit, url);
        // A log truncated by retention starts above 0: the attach was clamped to its start.
        // Knowing where it starts, read again from (start + messages − N).
        const first = got[0]?.offset;
        const wanted = first !== undefined ? first + t.messages - t.limit : 0;
        if (first !== undefined && first > Math.max(0, t.messages - t.limit) && wanted > first) {
          got = await readNewest(conn, t, wanted, s.payloadLimit, url);
        }
        out.set(t.name, got);
      }
    } finally {
      await conn.close().catch(() => undefined);
    }
  }
  return out;
}

async function readNewest(
  conn: amqp.ChannelModel,
  t: StreamTarget,
  fromOffset: number,
  payloadLimit: number,
  url: string
): Promise<Array<PeekedMessage & { offset?: number }>> {
  const ch = await conn.createChannel();
  let failure: Error | undefined;
  ch.on('error', (err: Error) => (failure = err));
  const got: Array<PeekedMessage & { offset?: number }> = [];
  const want = Math.min(t.limit, t.messages);
  try {
    await ch.prefetch(Math.max(1, Math.min(MAX_PREFETCH, t.limit)));
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    let idle: NodeJS.Timeout | undefined;
    const overall = setTimeout(() => done(), STREAM_READ_TIMEOUT_MS);
    const { consumerTag } = await ch.consume(
      t.name,
      (m) => {
        if (!m) {
          done(); // cancelled by the broker (stream deleted)
          return;
        }
        ch.ack(m); // credit only: a stream keeps its messages
        const msg = deliveryAsPeeked(m, payloadLimit);
        // whole chunks may be delivered: skip what precedes the wanted offset
        if (got.length < t.limit && (msg.offset === undefined || msg.offset >= fromOffset)) {
          got.push(msg);
        }
        clearTimeout(idle);
        if (got.length >= want) {
          done();
        } else {
          idle = setTimeout(() => done(), STREAM_IDLE_MS);
        }
      },
      { noAck: false, arguments: { 'x-stream-offset': fromOffset } }
    );
    if (want === 0) {
      done();
    }
    await finished;
    clearTimeout(overall);
    clearTimeout(idle);
    await ch.cancel(consumerTag).catch(() => undefined);
  } catch (err) {
    throw describeAmqpError((failure ?? err) as Error, url);
  } finally {
    await ch.close().catch(() => undefined);
  }
  return got;
}
