/**
 * Payload handling shared by every adapter: bounded previews that keep the true size,
 * binary-safe display, recognition (never execution) of pickled data, trace ids.
 */
import type { Payload } from './rows';

export const DEFAULT_PAYLOAD_LIMIT = 4096;

/** Python pickle protocol 2+ starts with PROTO (0x80) and a version byte. */
function looksPickled(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x80 && b[1] >= 2 && b[1] <= 5;
}

/** Ruby Marshal 4.8. */
function looksMarshalled(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x04 && b[1] === 0x08;
}

function isText(b: Buffer): boolean {
  const sample = b.subarray(0, 4096);
  if (sample.includes(0)) {
    return false;
  }
  // A round trip through UTF-8 is lossless only for valid UTF-8 (allowing a cut final character).
  const text = sample.toString('utf8');
  const bad = (text.match(/\uFFFD/g) ?? []).length;
  return bad <= (sample.length === 4096 ? 1 : 0);
}

/** A preview of a stored value: text (JSON if it parses) up to `limit` bytes, else hex. */
export function describePayload(raw: Buffer | string | null | undefined, limit = DEFAULT_PAYLOAD_LIMIT): Payload {
  if (raw === null || raw === undefined) {
    return { preview: '', bytes: 0, truncated: false, kind: 'none' };
  }
  const b = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  const truncated = b.length > limit;
  if (looksPickled(b) || looksMarshalled(b) || !isText(b)) {
    const kind = looksPickled(b) ? 'pickle' : looksMarshalled(b) ? 'marshal' : 'binary';
    const shown = b.subarray(0, Math.floor(limit / 2));
    return { preview: shown.toString('hex'), bytes: b.length, truncated: shown.length < b.length, kind };
  }
  let kind: Payload['kind'] = 'text';
  if (!truncated) {
    try {
      JSON.parse(b.toString('utf8'));
      kind = 'json';
    } catch {
      kind = 'text';
    }
  } else if (/^\s*[[{]/.test(b.subarray(0, 16).toString('utf8'))) {
    kind = 'json';
  }
  // Cut on a character boundary: drop a trailing partial UTF-8 sequence.
  let end = Math.min(b.length, limit);
  while (end > 0 && end < b.length && (b[end] & 0xc0) === 0x80) {
    end--;
  }
  return { preview: b.subarray(0, end).toString('utf8'), bytes: b.length, truncated, kind };
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace id of a W3C traceparent header, if well-formed and not all zeros. */
export function traceIdFromTraceparent(value: unknown): string | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const m = TRACEPARENT.exec(value.trim().toLowerCase());
  return m && !/^0+$/.test(m[1]) ? m[1] : undefined;
}

/** Parses JSON without throwing; undefined when it is not JSON. */
export function tryJSON(text: string | null | undefined): any {
  if (text === null || text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
