/**
 * Read-only access to stored JetStream messages, by sequence, without any consumer:
 *   $JS.API.STREAM.MSG.GET.<stream>  {"seq": N}                      the message at N
 *                                    {"seq": N, "next_by_subj": F}   the first at or after N
 *                                                                    whose subject matches F
 *                                                                    (wildcards allowed; ">"
 *                                                                    skips deleted sequences)
 * A message get neither delivers to nor acknowledges for any consumer: the server answers
 * from the stream store (nats-server jetstream_api.go jsMsgGetRequest → store.LoadMsg /
 * LoadNextMsg; next_by_subj is there since 2.9.0, checked on the Debian 2.9.10 server).
 *
 * The request is made here rather than with jsm.streams.getMessage so that a 10 MB message
 * is never decoded whole: only the first bytes a preview needs are turned from base64 into
 * a Buffer, and the full size is computed from the base64 length.
 */
import type { NatsConnection } from 'nats';
import type { Payload } from '../../../../reading/rows';
import { describePayload } from '../../../../reading/payload';

const API = '$JS.API';
const REQUEST_TIMEOUT_MS = 5_000;
/** describePayload samples 4096 bytes to tell text from binary: decode at least that much. */
const TEXT_SAMPLE = 4096;

export interface StoredMessage {
  seq: number;
  subject: string;
  /** Stored time, epoch ms. */
  time: number;
  headers: Record<string, string>;
  /** Full size of the data in bytes. */
  size: number;
  /** The first bytes of the data (enough for a preview of `keepBytes`). */
  head: Buffer;
}

export interface MsgGetRequest {
  seq: number;
  next_by_subj?: string;
}

/** A JetStream API error shaped like the client's, so natsError() maps it (404 → not found). */
class ApiError extends Error {
  readonly code: string;
  constructor(readonly api_error: { code: number; err_code?: number; description?: string }) {
    super(api_error.description ?? `JetStream API error ${api_error.code}`);
    this.code = String(api_error.code);
  }
}

const is404 = (err: unknown) =>
  (err as { code?: unknown })?.code === '404' || (err as { api_error?: { code?: number } })?.api_error?.code === 404;

/** Bytes encoded by a base64 string (no decoding). */
export function base64Size(b64: string): number {
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return Math.max(0, (b64.length / 4) * 3 - pad);
}

/** The first `bytes` bytes of a base64 string, decoding only those. */
export function base64Head(b64: string, bytes: number): Buffer {
  return Buffer.from(b64.slice(0, Math.ceil(bytes / 3) * 4), 'base64').subarray(0, bytes);
}

/** NATS headers ("NATS/1.0\r\nKey: value\r\n\r\n") → first value per key. */
export function parseHeaders(raw: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = raw.toString('utf8').split('\r\n');
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) {
      const k = line.slice(0, i).trim();
      if (!(k in out)) {
        out[k] = line.slice(i + 1).trim();
      }
    }
  }
  return out;
}

/** A header value by name, case-insensitively. */
export function header(headers: Record<string, string>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === want) {
      return v;
    }
  }
  return undefined;
}

/**
 * One message get. Undefined when there is no such message (deleted, past the end, or no
 * match at or after the sequence).
 */
export async function getStoredMessage(
  nc: NatsConnection,
  stream: string,
  req: MsgGetRequest,
  keepBytes: number
): Promise<StoredMessage | undefined> {
  const reply = await nc.request(`${API}.STREAM.MSG.GET.${stream}`, JSON.stringify(req), {
    timeout: REQUEST_TIMEOUT_MS,
  });
  let body: {
    error?: { code: number; err_code?: number; description?: string };
    message?: { subject: string; seq: number; hdrs?: string; data?: string; time: string };
  };
  try {
    body = JSON.parse(Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.byteLength).toString('utf8'));
  } catch {
    throw new Error(`unreadable answer to STREAM.MSG.GET on stream "${stream}"`);
  }
  if (body.error) {
    const e = new ApiError(body.error);
    if (is404(e)) {
      return undefined;
    }
    throw e;
  }
  const m = body.message;
  if (!m) {
    return undefined;
  }
  const data = m.data ?? '';
  const size = base64Size(data);
  return {
    seq: m.seq,
    subject: m.subject,
    time: Date.parse(m.time),
    headers: m.hdrs ? parseHeaders(Buffer.from(m.hdrs, 'base64')) : {},
    size,
    head: base64Head(data, Math.min(size, Math.max(keepBytes + 1, TEXT_SAMPLE))),
  };
}

/** The payload preview of a stored message, with its full size. */
export function storedPayload(m: StoredMessage, limit: number): Payload {
  const p = describePayload(m.head, limit);
  if (m.head.length < m.size) {
    p.bytes = m.size;
    p.truncated = true;
  }
  return p;
}
