/**
 * A minimal Arrow IPC *file* writer, only for what our data frames hold: one record batch of
 * Utf8, Float64, Int64, Bool and Timestamp(NANOSECOND, no timezone) columns, with validity
 * bitmaps, schema and field custom metadata. Little-endian, MetadataVersion V5, every body
 * buffer 8-byte aligned.
 *
 * Layout (Arrow columnar format, "IPC File Format"):
 *
 *   "ARROW1\0\0"
 *   0xFFFFFFFF, int32 n, Message{Schema} flatbuffer (n bytes, n + 8 a multiple of 8)
 *   0xFFFFFFFF, int32 n, Message{RecordBatch} flatbuffer, body (the column buffers)
 *   0xFFFFFFFF, 0x00000000 (end of stream)
 *   Footer{schema, recordBatches: [Block{offset, metaDataLength, bodyLength}]} flatbuffer
 *   int32 footer length, "ARROW1"
 *
 * The flatbuffers are written by hand, back to front (children before parents, so that every
 * uoffset points forward), with the slot numbers of format/Schema.fbs, Message.fbs, File.fbs.
 * Strings, vtables, type tables and the empty children vector are shared where they repeat,
 * which flatbuffers allows. The schema subtree is built once and copied into the footer: a
 * flatbuffer subtree only holds relative offsets, so it can move as long as its alignment does
 * not change.
 */

/** Arrow types we write. `timestamp` takes epoch milliseconds and stores exact nanoseconds. */
export type ArrowColumnType = 'utf8' | 'float64' | 'int64' | 'bool' | 'timestamp';

/**
 * One column. Missing values are `null` or `undefined` (and, for `timestamp`, anything that is
 * not a finite number); a column with missing values is written nullable, others not.
 * Other values are converted as apache-arrow's builders did: utf8 `String(v)`, float64
 * `Number(v)`, int64 `BigInt(Math.trunc(Number(v)))`, bool truthiness, timestamp
 * `BigInt(Math.round(Number(v))) * 10^6`.
 */
export interface ArrowColumn {
  name: string;
  type: ArrowColumnType;
  values: readonly unknown[];
  /** Field custom_metadata, in order. */
  metadata?: ReadonlyArray<readonly [string, string]>;
}

/**
 * How the writer reads columns out of the caller's own field objects, so that no copy of each
 * column is made. `metadata` is called once per field, right when that field's schema entry is
 * written: its strings (JSON, often) then die young, which matters with 100,000 fields.
 */
export interface ColumnReader<F> {
  name(field: F): string;
  type(field: F): ArrowColumnType;
  values(field: F): readonly unknown[];
  metadata(field: F): ReadonlyArray<readonly [string, string]> | undefined;
}

const PLAIN: ColumnReader<ArrowColumn> = {
  name: (c) => c.name,
  type: (c) => c.type,
  values: (c) => c.values,
  metadata: (c) => c.metadata,
};

// Enum values and union tags from format/Schema.fbs and Message.fbs.
const METADATA_V5 = 4;
const TYPE_INT = 2;
const TYPE_FLOATING_POINT = 3;
const TYPE_UTF8 = 5;
const TYPE_BOOL = 6;
const TYPE_TIMESTAMP = 10;
const PRECISION_DOUBLE = 2;
const TIME_UNIT_NANOSECOND = 3;
const HEADER_SCHEMA = 1;
const HEADER_RECORD_BATCH = 3;

const TWO_32 = 4294967296;
const CONTINUATION = 0xffffffff;
const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

/**
 * A flatbuffer builder, back to front like the reference one: `space` is where the written
 * bytes start, and objects are named by their distance from the end of the buffer, which stays
 * valid when the buffer grows. Reused across calls (encoding is synchronous), so every byte,
 * padding included, is written explicitly.
 */
class FlatBuilder {
  private buf!: Uint8Array;
  private view!: DataView;
  private node!: Buffer;
  private space = 0;
  private readonly slots = new Int32Array(8);
  private slotCount = 0;
  private tableStart = 0;
  private readonly vtables: number[] = [];
  private readonly sharedStrings: string[] = [];
  private readonly sharedAt: number[] = [];
  /** Offsets of shared objects (type tables, vtables of fixed layouts...), -1 when not written yet. */
  readonly cache = new Int32Array(16);

  constructor(size: number) {
    this.allocate(size);
  }

  private allocate(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
    this.node = Buffer.from(this.buf.buffer, 0, size);
    this.space = size;
  }

  /** Empties the builder, with room for about `expected` bytes (a big buffer is kept if it still fits). */
  reset(expected: number) {
    if (this.buf.length < expected || (this.buf.length > 1 << 20 && this.buf.length > 8 * expected)) {
      let size = 1 << 12;
      while (size < expected) {
        size *= 2;
      }
      this.allocate(size);
    }
    this.space = this.buf.length;
    if (this.vtables.length > 0) {
      this.vtables.length = 0;
    }
    if (this.sharedStrings.length > 0) {
      this.sharedStrings.length = 0;
      this.sharedAt.length = 0;
    }
    this.cache.fill(-1);
  }

  offset(): number {
    return this.buf.length - this.space;
  }

  private ensure(bytes: number) {
    if (this.space >= bytes) {
      return;
    }
    const used = this.offset();
    let size = this.buf.length * 2;
    while (size - used < bytes) {
      size *= 2;
    }
    const old = this.buf.subarray(this.space);
    this.allocate(size);
    this.buf.set(old, size - used);
    this.space = size - used;
  }

  /** Pads so that after `following` more bytes the offset is a multiple of `alignment`; reserves them. */
  private align(alignment: number, following: number) {
    let pad = -(this.offset() + following) & (alignment - 1);
    this.ensure(pad + following);
    while (pad-- > 0) {
      this.buf[--this.space] = 0;
    }
  }

  private u32(v: number) {
    this.space -= 4;
    this.view.setUint32(this.space, v, true);
  }

  /** Non-negative integers below 2^53. */
  private u64(v: number) {
    this.space -= 8;
    this.view.setUint32(this.space, v % TWO_32, true);
    this.view.setUint32(this.space + 4, Math.floor(v / TWO_32), true);
  }

  // Generic tables: startTable, add* per slot, endTable.

  startTable(slots: number) {
    this.align(4, 0);
    this.slotCount = slots;
    this.slots.fill(0, 0, slots);
    this.tableStart = this.offset();
  }

  addOffset(slot: number, target: number) {
    this.align(4, 4);
    this.space -= 4;
    this.view.setUint32(this.space, this.offset() - target, true);
    this.slots[slot] = this.offset();
  }

  addU64(slot: number, v: number) {
    this.align(8, 8);
    this.u64(v);
    this.slots[slot] = this.offset();
  }

  addI32(slot: number, v: number) {
    this.align(4, 4);
    this.space -= 4;
    this.view.setInt32(this.space, v, true);
    this.slots[slot] = this.offset();
  }

  addI16(slot: number, v: number) {
    this.align(2, 2);
    this.space -= 2;
    this.view.setInt16(this.space, v, true);
    this.slots[slot] = this.offset();
  }

  addU8(slot: number, v: number) {
    this.ensure(1);
    this.buf[--this.space] = v;
    this.slots[slot] = this.offset();
  }

  endTable(): number {
    this.align(4, 4);
    this.space -= 4; // soffset to the vtable, set below
    const table = this.offset();
    let n = this.slotCount;
    while (n > 0 && this.slots[n - 1] === 0) {
      n--;
    }
    const vtSize = 4 + 2 * n;
    this.ensure(vtSize);
    for (let i = n - 1; i >= 0; i--) {
      this.space -= 2;
      this.view.setUint16(this.space, this.slots[i] === 0 ? 0 : table - this.slots[i], true);
    }
    this.space -= 2;
    this.view.setUint16(this.space, table - this.tableStart, true);
    this.space -= 2;
    this.view.setUint16(this.space, vtSize, true);
    let vtable = this.offset();
    const existing = this.findVtable(vtSize);
    if (existing >= 0) {
      this.space = this.buf.length - table; // drop the copy just written
      vtable = existing;
    } else {
      this.vtables.push(vtable);
    }
    // vtable position = table position - soffset
    this.view.setInt32(this.buf.length - table, vtable - table, true);
    return table;
  }

  /** An identical vtable written earlier by endTable (its offset), or -1. */
  private findVtable(size: number): number {
    const buf = this.buf;
    const at = this.space;
    next: for (const other of this.vtables) {
      const q = buf.length - other;
      for (let i = 0; i < size; i++) {
        if (buf[q + i] !== buf[at + i]) {
          continue next;
        }
      }
      return other;
    }
    return -1;
  }

  // Fixed-layout tables, for the ones written thousands of times: reserveTable, ref/bytes, link.

  /** Reserves a table of `size` bytes (soffset included, 4-aligned); returns its offset. */
  reserveTable(size: number): number {
    this.align(4, size);
    this.space -= size;
    return this.offset();
  }

  /** Byte position of an object given by its offset. */
  pos(offset: number): number {
    return this.buf.length - offset;
  }

  /** Sets the uoffset at byte position `at` to point to `target`. */
  ref(at: number, target: number) {
    this.view.setUint32(at, this.buf.length - at - target, true);
  }

  setU8(at: number, v: number) {
    this.buf[at] = v;
  }

  /**
   * Points `table` to the vtable `layout` (vtable size, table size, field offsets), written
   * once per buffer and remembered in `cache[slot]`.
   */
  link(table: number, slot: number, layout: readonly number[]) {
    let vtable = this.cache[slot];
    if (vtable < 0) {
      this.ensure(2 * layout.length);
      for (let i = layout.length - 1; i >= 0; i--) {
        this.space -= 2;
        this.view.setUint16(this.space, layout[i], true);
      }
      vtable = this.cache[slot] = this.offset();
    }
    this.view.setInt32(this.buf.length - table, vtable - table, true);
  }

  string(s: string): number {
    const n = s.length;
    if (n < 24) {
      // Short: copy the characters while they are ASCII (one byte each).
      const before = this.offset();
      this.align(4, n + 5);
      this.buf[--this.space] = 0;
      this.space -= n;
      const buf = this.buf;
      const at = this.space;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          break;
        }
        buf[at + i] = c;
      }
      if (i === n) {
        this.u32(n);
        return this.offset();
      }
      this.space = this.buf.length - before;
    }
    const len = Buffer.byteLength(s, 'utf8');
    this.align(4, len + 5);
    this.buf[--this.space] = 0;
    this.space -= len;
    // As many bytes as characters: ASCII, which latin1 copies as is (faster than utf8).
    this.node.write(s, this.space, len, len === n ? 'latin1' : 'utf8');
    this.u32(len);
    return this.offset();
  }

  /** The same string written once per buffer (for metadata keys). */
  sharedString(s: string): number {
    const strings = this.sharedStrings;
    for (let i = 0; i < strings.length; i++) {
      if (strings[i] === s) {
        return this.sharedAt[i];
      }
    }
    const at = this.string(s);
    strings.push(s);
    this.sharedAt.push(at);
    return at;
  }

  offsetVector(targets: ArrayLike<number>, n: number): number {
    this.align(4, 4 * n + 4);
    for (let i = n - 1; i >= 0; i--) {
      this.space -= 4;
      this.view.setUint32(this.space, this.offset() - targets[i], true);
    }
    this.u32(n);
    return this.offset();
  }

  /** A vector of structs made of non-negative 64-bit integers (FieldNode, Buffer): `values` flat. */
  u64StructVector(values: ArrayLike<number>, count: number, perStruct: number): number {
    this.align(8, 8 * count * perStruct);
    for (let i = count * perStruct - 1; i >= 0; i--) {
      this.u64(values[i]);
    }
    this.align(4, 4);
    this.u32(count);
    return this.offset();
  }

  /** A vector of one Block{offset: long, metaDataLength: int, (pad 4), bodyLength: long}. */
  blockVector(offset: number, metaDataLength: number, bodyLength: number): number {
    this.align(8, 24);
    this.u64(bodyLength);
    this.u32(0);
    this.u32(metaDataLength);
    this.u64(offset);
    this.align(4, 4);
    this.u32(1);
    return this.offset();
  }

  emptyVector(): number {
    this.align(4, 4);
    this.u32(0);
    return this.offset();
  }

  /** Pads the written bytes to a multiple of 8 and returns their length. */
  seal(): number {
    this.align(8, 0);
    return this.offset();
  }

  /** The last `length` bytes: a sealed subtree to copy into another builder. */
  tail(length: number): Uint8Array {
    return this.buf.subarray(this.buf.length - length);
  }

  /** Copies a sealed subtree to the end of this (empty) builder: its offsets stay the same. */
  pushTail(bytes: Uint8Array) {
    if (this.offset() !== 0) {
      throw new Error('pushTail needs an empty builder');
    }
    this.ensure(bytes.length);
    this.space -= bytes.length;
    this.buf.set(bytes, this.space);
  }

  /** Writes the root offset; the whole buffer is a multiple of 8 bytes long. */
  finish(root: number): Uint8Array {
    this.align(8, 4);
    this.u32(this.offset() + 4 - root);
    return this.buf.subarray(this.space);
  }
}

const messageBuilder = new FlatBuilder(1 << 16);
const batchBuilder = new FlatBuilder(1 << 12);
const footerBuilder = new FlatBuilder(1 << 16);

/** UTF-8 bytes of the string columns of the current call, one after the other. */
let utf8Scratch = Buffer.alloc(1 << 16);

const pad8 = (n: number) => (n + 7) & ~7;

function isMissing(type: ArrowColumnType, v: unknown): boolean {
  if (v === null || v === undefined) {
    return true;
  }
  return type === 'timestamp' && !Number.isFinite(Number(v));
}

/** Appends `s` as UTF-8 to the scratch buffer at `at`; returns the byte count. */
function writeUtf8(s: string, at: number): number {
  const n = s.length;
  if (utf8Scratch.length < at + 3 * n) {
    const bigger = Buffer.alloc(Math.max(utf8Scratch.length * 2, at + 3 * n));
    utf8Scratch.copy(bigger, 0, 0, at);
    utf8Scratch = bigger;
  }
  if (n < 64) {
    const buf = utf8Scratch;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) {
        break;
      }
      buf[at + i] = c;
    }
    if (i === n) {
      return n;
    }
  }
  return utf8Scratch.write(s, at, 'utf8');
}

/** A string column's value offsets and the place of its bytes in the scratch buffer. */
interface Utf8Data {
  offsets: Int32Array;
  start: number;
  end: number;
}

function prepareUtf8(
  values: readonly unknown[],
  length: number,
  start: number,
  nulls: Int32Array,
  column: number
): Utf8Data {
  const offsets = new Int32Array(length + 1);
  let at = start;
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nullCount++;
    } else {
      at += writeUtf8(typeof v === 'string' ? v : String(v), at);
    }
    offsets[i + 1] = at - start;
  }
  nulls[column] = nullCount;
  return { offsets, start, end: at };
}

function countNulls(type: ArrowColumnType, values: readonly unknown[], length: number): number {
  let nullCount = 0;
  for (let i = 0; i < length; i++) {
    if (isMissing(type, values[i])) {
      nullCount++;
    }
  }
  return nullCount;
}

const TYPE_TAG: Record<ArrowColumnType, number> = {
  utf8: TYPE_UTF8,
  float64: TYPE_FLOATING_POINT,
  int64: TYPE_INT,
  bool: TYPE_BOOL,
  timestamp: TYPE_TIMESTAMP,
};

// Builder cache slots: type tables by union tag (2..10), then shared vectors and vtables.
const CACHE_CHILDREN = 11;
const CACHE_KEY_VALUE_VT = 12;
const CACHE_FIELD_VT = 13;
const CACHE_FIELD_META_VT = 14;

/** KeyValue{key, value}: [soffset, key, value]. Vtable: its size, table size, field offsets. */
const KEY_VALUE_VT = [8, 12, 4, 8];
/**
 * Field: [soffset, name, type, children, custom_metadata?, nullable: u8, type_type: u8, pad 2].
 * Slots: name 0, nullable 1, type_type 2, type 3, dictionary 4 (absent), children 5, custom_metadata 6.
 */
const FIELD_META_VT = [18, 24, 4, 20, 21, 8, 0, 12, 16];
const FIELD_VT = [16, 20, 4, 16, 17, 8, 0, 12];

function typeTable(b: FlatBuilder, tag: number): number {
  if (b.cache[tag] >= 0) {
    return b.cache[tag];
  }
  switch (tag) {
    case TYPE_FLOATING_POINT: // FloatingPoint{precision}
      b.startTable(1);
      b.addI16(0, PRECISION_DOUBLE);
      break;
    case TYPE_INT: // Int{bitWidth, is_signed}
      b.startTable(2);
      b.addI32(0, 64);
      b.addU8(1, 1);
      break;
    case TYPE_TIMESTAMP: // Timestamp{unit, timezone (absent: no timezone)}
      b.startTable(2);
      b.addI16(0, TIME_UNIT_NANOSECOND);
      break;
    default: // Utf8{}, Bool{}
      b.startTable(0);
      break;
  }
  return (b.cache[tag] = b.endTable());
}

const offsetScratch: number[] = [];

/** A [KeyValue] vector; a value equal to `shared` reuses the string already at `sharedAt`. */
function keyValues(
  b: FlatBuilder,
  pairs: ReadonlyArray<readonly [string, string]>,
  shared?: string,
  sharedAt = 0
): number {
  const n = pairs.length;
  const tables = offsetScratch;
  for (let i = 0; i < n; i++) {
    const pair = pairs[i];
    const keyAt = b.sharedString(pair[0]);
    const valueAt = sharedAt !== 0 && pair[1] === shared ? sharedAt : b.string(pair[1]);
    const table = b.reserveTable(12);
    const at = b.pos(table);
    b.ref(at + 4, keyAt);
    b.ref(at + 8, valueAt);
    b.link(table, CACHE_KEY_VALUE_VT, KEY_VALUE_VT);
    tables[i] = table;
  }
  return b.offsetVector(tables, n);
}

/** Builds the Schema table (slots: endianness 0, fields 1, custom_metadata 2). */
function schemaTable<F>(
  b: FlatBuilder,
  fields: readonly F[],
  reader: ColumnReader<F>,
  tags: Uint8Array,
  nulls: Int32Array,
  metadata: ReadonlyArray<readonly [string, string]>
): number {
  const tables = new Array<number>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const typeAt = typeTable(b, tags[i]);
    let children = b.cache[CACHE_CHILDREN];
    if (children < 0) {
      children = b.cache[CACHE_CHILDREN] = b.emptyVector();
    }
    const name = reader.name(f);
    const nameAt = b.string(name);
    const pairs = reader.metadata(f);
    const metaAt = pairs && pairs.length > 0 ? keyValues(b, pairs, name, nameAt) : 0;
    const size = metaAt ? 24 : 20;
    const table = b.reserveTable(size);
    const at = b.pos(table);
    b.ref(at + 4, nameAt);
    b.ref(at + 8, typeAt);
    b.ref(at + 12, children);
    if (metaAt) {
      b.ref(at + 16, metaAt);
    }
    b.setU8(at + size - 4, nulls[i] > 0 ? 1 : 0);
    b.setU8(at + size - 3, tags[i]);
    b.setU8(at + size - 2, 0);
    b.setU8(at + size - 1, 0);
    b.link(table, metaAt ? CACHE_FIELD_META_VT : CACHE_FIELD_VT, metaAt ? FIELD_META_VT : FIELD_VT);
    tables[i] = table;
  }
  const fieldsAt = b.offsetVector(tables, tables.length);
  const metaAt = metadata.length > 0 ? keyValues(b, metadata) : 0;
  b.startTable(3);
  b.addOffset(1, fieldsAt);
  if (metaAt) {
    b.addOffset(2, metaAt);
  }
  b.addI16(0, 0); // Little
  return b.endTable();
}

/** Message slots: version 0, header_type 1, header 2, bodyLength 3. */
function message(b: FlatBuilder, headerType: number, header: number, bodyLength: number): Uint8Array {
  b.startTable(4);
  b.addU64(3, bodyLength);
  b.addOffset(2, header);
  b.addI16(0, METADATA_V5);
  b.addU8(1, headerType);
  return b.finish(b.endTable());
}

function setU32(out: Uint8Array, at: number, v: number) {
  out[at] = v;
  out[at + 1] = v >>> 8;
  out[at + 2] = v >>> 16;
  out[at + 3] = v >>> 24;
}

/**
 * Writes one record batch of `columns` as an Arrow IPC file, with `metadata` as the schema's
 * custom_metadata. All columns must have the same number of values.
 */
export function writeArrowFile(
  columns: readonly ArrowColumn[],
  metadata: ReadonlyArray<readonly [string, string]> = []
): Uint8Array {
  return writeColumns(columns, PLAIN, metadata);
}

/** writeArrowFile for columns read from the caller's own objects through `reader`. */
export function writeColumns<F>(
  fields: readonly F[],
  reader: ColumnReader<F>,
  metadata: ReadonlyArray<readonly [string, string]> = []
): Uint8Array {
  const count = fields.length;
  const length = count > 0 ? reader.values(fields[0]).length : 0;
  if (utf8Scratch.length > 1 << 24) {
    utf8Scratch = Buffer.alloc(1 << 16); // do not keep a huge table's strings' memory
  }
  const tags = new Uint8Array(count);
  const nulls = new Int32Array(count);
  let strings: Array<Utf8Data | undefined> | undefined;
  let utf8At = 0;
  let bufferCount = 0;
  for (let i = 0; i < count; i++) {
    const f = fields[i];
    const values = reader.values(f);
    const type = reader.type(f);
    if (values.length !== length) {
      throw new Error(`column "${reader.name(f)}" has ${values.length} values, expected ${length}`);
    }
    tags[i] = TYPE_TAG[type];
    if (type === 'utf8') {
      strings ??= [];
      const data = (strings[i] = prepareUtf8(values, length, utf8At, nulls, i));
      utf8At = data.end;
      bufferCount += 3;
    } else {
      nulls[i] = countNulls(type, values, length);
      bufferCount += 2;
    }
  }

  // Body layout: per column its validity bitmap, then offsets (utf8) and values.
  const buffers = new Float64Array(2 * bufferCount); // [offset, length] per buffer
  const nodes = new Float64Array(2 * count); // [length, null_count] per column
  let bodyLength = 0;
  let nb = 0;
  const push = (len: number) => {
    buffers[nb++] = bodyLength;
    buffers[nb++] = len;
    bodyLength += pad8(len);
  };
  const bitmapBytes = (length + 7) >> 3;
  for (let i = 0; i < count; i++) {
    nodes[2 * i] = length;
    nodes[2 * i + 1] = nulls[i];
    push(nulls[i] > 0 ? bitmapBytes : 0);
    switch (tags[i]) {
      case TYPE_UTF8:
        push(4 * (length + 1));
        push(strings![i]!.end - strings![i]!.start);
        break;
      case TYPE_BOOL:
        push(bitmapBytes);
        break;
      default:
        push(8 * length);
    }
  }

  // Schema message; its schema subtree is copied into the footer.
  const mb = messageBuilder;
  mb.reset(96 * count + 1024); // grows as needed; a big buffer is kept while it still fits
  const schemaAt = schemaTable(mb, fields, reader, tags, nulls, metadata);
  const schemaBytes = mb.seal();
  const schemaMessage = message(mb, HEADER_SCHEMA, schemaAt, 0);

  // RecordBatch slots: length 0, nodes 1, buffers 2.
  const bb = batchBuilder;
  bb.reset(16 * (bufferCount + count) + 256);
  const buffersAt = bb.u64StructVector(buffers, bufferCount, 2);
  const nodesAt = bb.u64StructVector(nodes, count, 2);
  bb.startTable(3);
  bb.addU64(0, length);
  bb.addOffset(1, nodesAt);
  bb.addOffset(2, buffersAt);
  const batchMessage = message(bb, HEADER_RECORD_BATCH, bb.endTable(), bodyLength);

  const batchOffset = 8 + 8 + schemaMessage.length;
  const bodyOffset = batchOffset + 8 + batchMessage.length;

  // Footer slots: version 0, schema 1, dictionaries 2, recordBatches 3.
  const fb = footerBuilder;
  fb.reset(schemaBytes + 256);
  fb.pushTail(mb.tail(schemaBytes));
  const blocksAt = fb.blockVector(batchOffset, 8 + batchMessage.length, bodyLength);
  const dictionariesAt = fb.emptyVector();
  fb.startTable(4);
  fb.addOffset(1, schemaAt);
  fb.addOffset(2, dictionariesAt);
  fb.addOffset(3, blocksAt);
  fb.addI16(0, METADATA_V5);
  const footer = fb.finish(fb.endTable());

  const eosOffset = bodyOffset + bodyLength;
  const footerOffset = eosOffset + 8;
  const total = footerOffset + footer.length + 4 + 6;
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  setU32(out, 8, CONTINUATION);
  setU32(out, 12, schemaMessage.length);
  out.set(schemaMessage, 16);
  setU32(out, batchOffset, CONTINUATION);
  setU32(out, batchOffset + 4, batchMessage.length);
  out.set(batchMessage, batchOffset + 8);
  writeBody(out, bodyOffset, fields, reader, tags, nulls, strings, buffers, length);
  setU32(out, eosOffset, CONTINUATION);
  out.set(footer, footerOffset);
  setU32(out, footerOffset + footer.length, footer.length);
  out.set(MAGIC, footerOffset + footer.length + 4);
  return out;
}

// Single values go through these instead of a typed-array view of each small output.
const f64Cell = new Float64Array(1);
const i64Cell = new BigInt64Array(f64Cell.buffer);
const cellBytes = new Uint8Array(f64Cell.buffer);

function setBit(out: Uint8Array, at: number, i: number) {
  out[at + (i >> 3)] |= 1 << (i & 7);
}

function writeBody<F>(
  out: Uint8Array,
  body: number,
  fields: readonly F[],
  reader: ColumnReader<F>,
  tags: Uint8Array,
  nulls: Int32Array,
  strings: Array<Utf8Data | undefined> | undefined,
  buffers: Float64Array,
  length: number
) {
  const wide = length >= 16; // worth a typed-array view of the whole output
  let f64: Float64Array | undefined;
  let i64: BigInt64Array | undefined;
  let b = 0; // index into buffers
  for (let c = 0; c < fields.length; c++) {
    const values = reader.values(fields[c]);
    const tag = tags[c];
    const validity = body + buffers[b];
    const data = body + buffers[b + 2];
    b += 4;
    const bits = nulls[c] > 0;
    switch (tag) {
      case TYPE_FLOATING_POINT: {
        if (wide) {
          f64 ??= new Float64Array(out.buffer, 0, out.length >> 3);
        }
        for (let i = 0; i < length; i++) {
          const v = values[i];
          if (v === null || v === undefined) {
            continue;
          }
          if (f64) {
            f64[(data >> 3) + i] = v as number;
          } else {
            f64Cell[0] = v as number;
            out.set(cellBytes, data + 8 * i);
          }
          if (bits) {
            setBit(out, validity, i);
          }
        }
        break;
      }
      case TYPE_INT:
      case TYPE_TIMESTAMP: {
        if (wide) {
          i64 ??= new BigInt64Array(out.buffer, 0, out.length >> 3);
        }
        const time = tag === TYPE_TIMESTAMP;
        for (let i = 0; i < length; i++) {
          const v = values[i];
          if (v === null || v === undefined || (time && !Number.isFinite(Number(v)))) {
            continue;
          }
          const n = time ? BigInt(Math.round(Number(v))) * 1_000_000n : BigInt(Math.trunc(Number(v)));
          if (i64) {
            i64[(data >> 3) + i] = n;
          } else {
            i64Cell[0] = n;
            out.set(cellBytes, data + 8 * i);
          }
          if (bits) {
            setBit(out, validity, i);
          }
        }
        break;
      }
      case TYPE_BOOL:
        for (let i = 0; i < length; i++) {
          const v = values[i];
          if (v === null || v === undefined) {
            continue;
          }
          if (v) {
            setBit(out, data, i);
          }
          if (bits) {
            setBit(out, validity, i);
          }
        }
        break;
      case TYPE_UTF8: {
        const { offsets, start, end } = strings![c]!;
        out.set(new Uint8Array(offsets.buffer, offsets.byteOffset, offsets.byteLength), data);
        out.set(utf8Scratch.subarray(start, end), body + buffers[b]);
        b += 2;
        if (bits) {
          for (let i = 0; i < length; i++) {
            const v = values[i];
            if (v !== null && v !== undefined) {
              setBit(out, validity, i);
            }
          }
        }
        break;
      }
    }
  }
}
