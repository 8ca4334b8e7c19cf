/**
 * QueryDataResponse encoded by hand. Its bulk is the frames' Arrow bytes (tens of MB for
 * a large overview); the generic protobufjs writer copies them several times while it
 * grows its buffers. Here sizes are computed first and every frame is copied once, into
 * the single output buffer. Field numbers as in pluginv2 (proto/backend.proto):
 *   QueryDataResponse { map<string, DataResponse> responses = 1 }
 *     (a map entry is a message { string key = 1; DataResponse value = 2 })
 *   DataResponse { repeated bytes frames = 1; string error = 2; int32 status = 4;
 *                  string errorSource = 5 }
 */
import type { DataResponse, QueryDataResponse } from './messages';

const LENGTH_DELIMITED = 2;
const VARINT = 0;
const tag = (field: number, wire: number) => (field << 3) | wire;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

class Out {
  private pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  bytes(field: number, b: Uint8Array): void {
    this.varint(tag(field, LENGTH_DELIMITED));
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

function dataResponseParts(r: DataResponse) {
  const error = r.error ? Buffer.from(r.error, 'utf8') : undefined;
  const source = r.errorSource ? Buffer.from(r.errorSource, 'utf8') : undefined;
  let size = 0;
  for (const f of r.frames) {
    size += 1 + varintSize(f.length) + f.length;
  }
  if (error) {
    size += 1 + varintSize(error.length) + error.length;
  }
  if (r.status > 0) {
    size += 1 + varintSize(r.status);
  }
  if (source) {
    size += 1 + varintSize(source.length) + source.length;
  }
  return { size, error, source };
}

export function encodeQueryDataResponse(res: QueryDataResponse): Buffer {
  const entries = Object.entries(res.responses).map(([refId, r]) => {
    const key = Buffer.from(refId, 'utf8');
    const value = dataResponseParts(r);
    const entrySize = 1 + varintSize(key.length) + key.length + 1 + varintSize(value.size) + value.size;
    return { key, r, value, entrySize };
  });
  const total = entries.reduce((n, e) => n + 1 + varintSize(e.entrySize) + e.entrySize, 0);
  const out = new Out(Buffer.allocUnsafe(total));
  for (const { key, r, value, entrySize } of entries) {
    out.varint(tag(1, LENGTH_DELIMITED));
    out.varint(entrySize);
    out.bytes(1, key);
    out.varint(tag(2, LENGTH_DELIMITED));
    out.varint(value.size);
    for (const f of r.frames) {
      out.bytes(1, f);
    }
    if (value.error) {
      out.bytes(2, value.error);
    }
    if (r.status > 0) {
      // HTTP status codes: always positive, so a plain varint (no negative int32 case).
      out.varint(tag(4, VARINT));
      out.varint(r.status);
    }
    if (value.source) {
      out.bytes(5, value.source);
    }
  }
  return out.done();
}
