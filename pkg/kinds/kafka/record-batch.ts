/**
 * A Fetch response (versions 4–11) decoded by hand, pure: bytes in, records out. kafkajs'
 * own decoder is not used because it fails a whole response (every partition of a broker)
 * when one batch is compressed with a codec it has not registered (Snappy, LZ4, ZSTD), and
 * drops a truncated tail batch without saying how big its record was. This one never
 * throws for one partition: it keeps what it could read and says what it could not.
 *
 * Layouts (Kafka protocol guide, "Fetch API" and "Record Batch"):
 *   FetchResponse => throttle_time_ms(v1+) [error_code session_id](v7+) [topic [partition
 *     error_code high_watermark last_stable_offset log_start_offset(v5+)
 *     [aborted_transactions producer_id first_offset] preferred_read_replica(v11+) records]]
 *   RecordBatch => baseOffset int64, batchLength int32, partitionLeaderEpoch int32,
 *     magic int8 (2), crc int32, attributes int16, lastOffsetDelta int32, baseTimestamp int64,
 *     maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32,
 *     recordCount int32, records (compressed as a whole when attributes & 7 ≠ 0)
 *   Record => length varint, attributes int8, timestampDelta varlong, offsetDelta varint,
 *     key varint-bytes, value varint-bytes, [header key varint-string, value varint-bytes]
 *
 * Truncation: the broker cuts the response at max_bytes, so the last batch of a partition
 * may be partial. Records of an uncompressed partial batch are read as far as they go; the
 * record that is cut is returned with `cut: true`, its full size and what of it arrived
 * (key, timestamp, the first bytes of the value), never its headers (they come last).
 */
import { gunzipSync } from 'zlib';

export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export interface KafkaRecord {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  /** The value, or its first bytes when `cut`. */
  value: Buffer | null;
  /** Full size of the value in bytes (-1: null value; known even when `cut`). */
  valueSize: number;
  /** Full size of the record on the wire. */
  size: number;
  headers: Array<{ key: string; value: Buffer | null }>;
  /** Only part of the record arrived (it is larger than the read bound): no headers. */
  cut: boolean;
}

export interface BatchInfo {
  baseOffset: number;
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  codec: (typeof CODECS)[number] | string;
  control: boolean;
  /** Records could not be read (codec not available here, or a compressed batch cut short). */
  undecoded?: string;
}

export interface PartitionData {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  logStartOffset?: number;
  records: KafkaRecord[];
  batches: BatchInfo[];
  /** Bytes of record data the broker sent for this partition. */
  bytes: number;
}

export interface FetchResponse {
  errorCode: number;
  throttleMs: number;
  partitions: PartitionData[];
}

/** Cursor over a buffer; reads past the end throw Partial. */
class Partial extends Error {}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  left(): number {
    return this.buf.length - this.pos;
  }
  need(n: number): void {
    if (n < 0 || this.pos + n > this.buf.length) {
      throw new Partial();
    }
  }
  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.pos++);
  }
  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = Number(this.buf.readBigInt64BE(this.pos));
    this.pos += 8;
    return v;
  }
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
  /** At most n bytes (what is left when fewer). */
  upTo(n: number): Buffer {
    const b = this.buf.subarray(this.pos, Math.min(this.buf.length, this.pos + Math.max(0, n)));
    this.pos += b.length;
    return b;
  }
  string(): string {
    const n = this.int16();
    return n < 0 ? '' : this.bytes(n).toString('utf8');
  }
  /** Zig-zag varint (int32 or int64; numbers stay exact up to 2^53). */
  varint(): number {
    let result = 0;
    let shift = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const byte = this.buf[this.pos++];
      result += (byte & 0x7f) * shift;
      if ((byte & 0x80) === 0) {
        // zig-zag: (n >>> 1) ^ -(n & 1), in float arithmetic to stay exact past 2^31
        return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      }
      shift *= 128;
    }
    throw new Error('malformed varint');
  }
}

const RECORD_BATCH_HEADER = 61;

/** Decodes one record; `cut` when the buffer ends inside it. */
function readRecord(r: Reader, batch: BatchInfo, logAppendTime: boolean): KafkaRecord | undefined {
  if (r.left() === 0) {
    return undefined;
  }
  const length = r.varint();
  const complete = r.left() >= length;
  const inner = new Reader(complete ? r.bytes(length) : r.upTo(length));
  const rec: KafkaRecord = {
    offset: batch.baseOffset,
    timestamp: batch.baseTimestamp,
    key: null,
    value: null,
    valueSize: -1,
    size: length,
    headers: [],
    cut: !complete,
  };
  try {
    inner.int8(); // attributes (unused)
    const tsDelta = inner.varint();
    rec.offset = batch.baseOffset + inner.varint();
    rec.timestamp = logAppendTime ? batch.maxTimestamp : batch.baseTimestamp + tsDelta;
    const keyLen = inner.varint();
    rec.key = keyLen < 0 ? null : inner.bytes(keyLen);
    rec.valueSize = inner.varint();
    if (rec.valueSize >= 0) {
      rec.value = complete ? inner.bytes(rec.valueSize) : inner.upTo(rec.valueSize);
    }
    if (complete) {
      const count = inner.varint();
      for (let i = 0; i < count; i++) {
        const kLen = inner.varint();
        const key = inner.bytes(Math.max(0, kLen)).toString('utf8');
        const vLen = inner.varint();
        rec.headers.push({ key, value: vLen < 0 ? null : inner.bytes(vLen) });
      }
    }
  } catch (err) {
    if (!(err instanceof Partial)) {
      throw err;
    }
    // A cut record: what was read so far stands (offset and timestamp come first).
    rec.cut = true;
  }
  return rec;
}

/**
 * Record batches of one partition's record set. `maxDecompressed` bounds what a compressed
 * batch may inflate to (a gzip bomb stops there and the batch counts as undecoded).
 */
export function readRecordSet(data: Buffer, maxDecompressed: number): { records: KafkaRecord[]; batches: BatchInfo[] } {
  const records: KafkaRecord[] = [];
  const batches: BatchInfo[] = [];
  const r = new Reader(data);
  while (r.left() >= RECORD_BATCH_HEADER) {
    const baseOffset = r.int64();
    const batchLength = r.int32();
    const body = new Reader(r.upTo(batchLength));
    const whole = body.buf.length === batchLength;
    body.int32(); // partitionLeaderEpoch
    const magic = body.int8();
    if (magic !== 2) {
      // Message format v0/v1 (Kafka < 0.11 producers): not read.
      batches.push({
        baseOffset,
        lastOffset: baseOffset,
        baseTimestamp: -1,
        maxTimestamp: -1,
        codec: 'none',
        control: false,
        undecoded: `message format v${magic}`,
      });
      continue;
    }
    body.int32(); // crc
    const attributes = body.int16();
    const lastOffsetDelta = body.int32();
    const baseTimestamp = body.int64();
    const maxTimestamp = body.int64();
    body.int64(); // producerId
    body.int16(); // producerEpoch
    body.int32(); // baseSequence
    const count = body.int32();
    const codec = CODECS[attributes & 0x07] ?? `codec ${attributes & 0x07}`;
    const batch: BatchInfo = {
      baseOffset,
      lastOffset: baseOffset + lastOffsetDelta,
      baseTimestamp,
      maxTimestamp,
      codec,
      control: (attributes & 0x20) !== 0,
    };
    batches.push(batch);
    if (batch.control) {
      continue;
    } // transaction markers carry no messages
    const logAppendTime = (attributes & 0x08) !== 0;
    let recordsReader: Reader;
    if (codec === 'none') {
      recordsReader = body;
    } else if (!whole) {
      batch.undecoded = `${codec}-compressed batch larger than the read bound`;
      continue;
    } else if (codec === 'gzip') {
      try {
        recordsReader = new Reader(gunzipSync(body.bytes(body.left()), { maxOutputLength: maxDecompressed }));
      } catch {
        batch.undecoded = `gzip batch inflating past ${maxDecompressed} bytes or corrupt`;
        continue;
      }
    } else {
      batch.undecoded = `${codec}-compressed batch (no ${codec} codec in the plugin)`;
      continue;
    }
    for (let i = 0; i < count; i++) {
      const rec = readRecord(recordsReader, batch, logAppendTime);
      if (!rec) {
        break;
      }
      records.push(rec);
      if (rec.cut) {
        break;
      }
    }
    if (!whole) {
      break;
    }
  }
  return { records, batches };
}

/** Decodes a Fetch response body (after the correlation id) of the given version. */
export function decodeFetchResponse(payload: Buffer, version: number, maxDecompressed: number): FetchResponse {
  const r = new Reader(payload);
  const throttleMs = version >= 1 ? r.int32() : 0;
  let errorCode = 0;
  if (version >= 7) {
    errorCode = r.int16();
    r.int32(); // session_id
  }
  const partitions: PartitionData[] = [];
  const topics = r.int32();
  for (let t = 0; t < topics; t++) {
    const topic = r.string();
    const count = r.int32();
    for (let p = 0; p < count; p++) {
      const partition = r.int32();
      const partErr = r.int16();
      const highWatermark = r.int64();
      if (version >= 4) {
        r.int64();
      } // last_stable_offset
      const logStartOffset = version >= 5 ? r.int64() : undefined;
      if (version >= 4) {
        const aborted = r.int32();
        if (aborted > 0) {
          r.bytes(aborted * 16);
        }
      }
      if (version >= 11) {
        r.int32();
      } // preferred_read_replica
      const size = r.int32();
      const data = size > 0 ? r.bytes(size) : Buffer.alloc(0);
      const { records, batches } = readRecordSet(data, maxDecompressed);
      partitions.push({
        topic,
        partition,
        errorCode: partErr,
        highWatermark,
        logStartOffset,
        records,
        batches,
        bytes: data.length,
      });
    }
  }
  return { errorCode, throttleMs, partitions };
}
