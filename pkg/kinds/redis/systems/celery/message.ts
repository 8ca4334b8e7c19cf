/**
 * Reading one kombu envelope as Celery writes it (celery/app/amqp.py, task message
 * protocol 2; protocol 1 bodies are recognised too). Pure functions, no Redis access.
 *   {body, content-type, content-encoding,
 *    headers {lang, task, id, retries, eta, expires, root_id, parent_id, origin, argsrepr,
 *             kwargsrepr, traceparent?…},
 *    properties {delivery_tag, delivery_info {exchange, routing_key}, priority, body_encoding}}
 * The body is base64 when body_encoding is "base64" (always, with the Redis transport):
 * JSON `[args, kwargs, embed]` is shown as text, a pickled body as hex, never unpickled.
 */
import type { Payload } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent, tryJSON } from '../../../../reading/payload';

export interface CeleryMessage {
  id?: string;
  task?: string;
  retries?: number;
  /** Due time of an ETA/countdown task, epoch ms. */
  eta?: number;
  expires?: number;
  exchange?: string;
  routingKey?: string;
  priority?: number;
  deliveryTag?: string;
  contentType?: string;
  traceId?: string;
  payload: Payload;
}

/** Python's isoformat (microseconds, offset or none = UTC) as epoch ms. */
export function parseIsoTime(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v > 1e12 ? v : v * 1000;
  }
  if (typeof v !== 'string' || !v) {
    return undefined;
  }
  let s = v
    .trim()
    .replace(' ', 'T')
    .replace(/(\.\d{3})\d+/, '$1');
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    s += 'Z';
  }
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

function asRecord(v: unknown): Record<string, any> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {};
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' && v !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Parses an envelope (string or already-parsed object); undefined when it is not one. */
export function parseMessage(raw: unknown, payloadLimit: number): CeleryMessage | undefined {
  const env = typeof raw === 'string' ? tryJSON(raw) : raw;
  if (!env || typeof env !== 'object' || Array.isArray(env)) {
    return undefined;
  }
  const headers = asRecord(env.headers);
  const props = asRecord(env.properties);
  const info = asRecord(props.delivery_info);
  let body: Buffer | undefined;
  if (typeof env.body === 'string') {
    body = props.body_encoding === 'base64' ? Buffer.from(env.body, 'base64') : Buffer.from(env.body, 'utf8');
  } else if (env.body !== undefined && env.body !== null) {
    body = Buffer.from(JSON.stringify(env.body), 'utf8');
  }
  const contentType = str(env['content-type']);
  // Protocol 1 keeps the task fields in a JSON body instead of the headers.
  const v1 = !headers.task && body && /json/.test(contentType ?? '') ? asRecord(tryJSON(body.toString('utf8'))) : {};
  const field = (name: string) => headers[name] ?? v1[name];
  return {
    id: str(field('id')) ?? str(props.correlation_id),
    task: str(field('task')),
    retries: num(field('retries')),
    eta: parseIsoTime(field('eta')),
    expires: parseIsoTime(field('expires')),
    exchange: typeof info.exchange === 'string' ? info.exchange : undefined,
    routingKey: typeof info.routing_key === 'string' ? info.routing_key : undefined,
    priority: num(props.priority),
    deliveryTag: str(props.delivery_tag),
    contentType,
    traceId: traceIdFromTraceparent(field('traceparent')),
    payload: describePayload(body ?? null, payloadLimit),
  };
}
