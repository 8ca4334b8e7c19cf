/**
 * Our Arrow IPC file writer, read back with apache-arrow's reader and compared field by field
 * with what apache-arrow's own writer (the encoder we replaced) makes of the same frame.
 */
import { RecordBatchReader, Schema, tableFromIPC, TimestampNanosecond } from 'apache-arrow';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { Message, RecordBatch as RecordBatchHeader } from 'apache-arrow/ipc/metadata/message';
import { writeArrowFile } from './arrow-ipc';
import { encodeFrame, Field, FieldType, Frame } from './frame';
import { encodeWithApacheArrow } from '../../tests/support/apache-arrow-encoder';

/**
 * Everything a reader sees of a decoded frame, in plain values. The schema comes from the
 * reader itself: apache-arrow's Table merges the metadata of fields that share a name (as
 * numeric-wide fields do), Grafana's reader does not.
 */
function describe_(bytes: Uint8Array) {
  const t = tableFromIPC(bytes);
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  return {
    rows: t.numRows,
    metadata: [...reader.schema.metadata.entries()],
    fields: reader.schema.fields.map((f, i) => {
      const column = t.getChildAt(i)!;
      const values: unknown[] = [];
      for (let j = 0; j < column.length; j++) {
        values.push(column.get(j));
      }
      // Exact stored integers for timestamps (get() answers milliseconds).
      const raw =
        f.typeId === new TimestampNanosecond().typeId
          ? column.data.flatMap((d) => Array.from(d.values as BigInt64Array).map((v, j) => (d.getValid(j) ? v : null)))
          : undefined;
      return {
        name: f.name,
        type: String(f.type),
        nullable: f.nullable,
        nullCount: column.nullCount,
        metadata: [...f.metadata.entries()],
        values,
        raw,
      };
    }),
  };
}

function expectSameAsApacheArrow(frame: Frame) {
  const ours = encodeFrame(frame);
  const theirs = encodeWithApacheArrow(frame);
  expect(describe_(ours)).toEqual(describe_(theirs));
  checkLayout(ours);
  return ours;
}

/** File framing and alignment, read with apache-arrow's own flatbuffer decoders. */
function checkLayout(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  expect(text(0, 8)).toBe('ARROW1\0\0');
  expect(text(bytes.length - 6, bytes.length)).toBe('ARROW1');
  const footerLength = view.getInt32(bytes.length - 10, true);
  const footerStart = bytes.length - 10 - footerLength;
  expect(footerStart % 8).toBe(0);
  // end-of-stream marker before the footer
  expect(view.getUint32(footerStart - 8, true)).toBe(0xffffffff);
  expect(view.getInt32(footerStart - 4, true)).toBe(0);
  const footer = Footer.decode(bytes.subarray(footerStart, footerStart + footerLength));
  expect(footer.numRecordBatches).toBe(1);
  expect(footer.numDictionaries).toBe(0);
  expect(footer.version).toBe(4); // V5

  // schema message right after the magic
  expect(view.getUint32(8, true)).toBe(0xffffffff);
  const schemaLength = view.getInt32(12, true);
  expect((8 + schemaLength) % 8).toBe(0);
  const schemaMessage = Message.decode(bytes.subarray(16, 16 + schemaLength));
  expect(schemaMessage.isSchema()).toBe(true);
  expect(schemaMessage.version).toBe(4);
  expect((schemaMessage.header() as Schema).fields.map((f) => f.name)).toEqual(footer.schema.fields.map((f) => f.name));

  const block = footer.getRecordBatch(0)!;
  expect(block.offset % 8).toBe(0);
  expect(block.metaDataLength % 8).toBe(0);
  expect(view.getUint32(block.offset, true)).toBe(0xffffffff);
  expect(view.getInt32(block.offset + 4, true)).toBe(block.metaDataLength - 8);
  const message = Message.decode(bytes.subarray(block.offset + 8, block.offset + block.metaDataLength));
  expect(message.isRecordBatch()).toBe(true);
  expect(message.version).toBe(4);
  expect(message.bodyLength).toBe(block.bodyLength);
  const body = block.offset + block.metaDataLength;
  expect(body + block.bodyLength).toBe(footerStart - 8);
  const batch = message.header() as RecordBatchHeader;
  for (const b of batch.buffers) {
    expect((body + b.offset) % 8).toBe(0);
    expect(b.offset + b.length).toBeLessThanOrEqual(block.bodyLength);
  }
  expect(batch.nodes.length).toBe(footer.schema.fields.length);
}

const allTypes = (): Frame => ({
  name: 'all',
  refId: 'A',
  meta: { type: 'table', typeVersion: [0, 1], executedQueryString: 'q', notices: [{ severity: 'warning', text: 'n' }] },
  fields: [
    { name: 'time', type: 'time', values: [1700000000123, 0, -1, 9_000_000_000_000, 1e12 + 0.4] },
    { name: 'finished', type: 'time', values: [1700000000123, null, undefined, NaN, Infinity] },
    { name: 's', type: 'string', values: ['a', null, '', 'ünï', undefined] },
    {
      name: 'n',
      type: 'number',
      values: [1.5, null, NaN, -Infinity, -0],
      labels: { queue: 'q' },
      config: { unit: 'ms', decimals: 2 },
    },
    { name: 'i', type: 'int64', values: [1, null, -3.7, 2 ** 53 - 1, -(2 ** 53) + 1] },
    { name: 'b', type: 'boolean', values: [true, false, null, true, undefined] },
    { name: 'dense', type: 'number', values: [1, 2, 3, 4, 5] },
    { name: 'flags', type: 'boolean', values: [true, false, false, true, true] },
  ],
});

describe('writeArrowFile through apache-arrow', () => {
  it('round-trips every type with nulls, like apache-arrow does', () => {
    const t = tableFromIPC(expectSameAsApacheArrow(allTypes()));
    expect(t.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['time', 'Timestamp<NANOSECOND>', false],
      ['finished', 'Timestamp<NANOSECOND>', true],
      ['s', 'Utf8', true],
      ['n', 'Float64', true],
      ['i', 'Int64', true],
      ['b', 'Bool', true],
      ['dense', 'Float64', false],
      ['flags', 'Bool', false],
    ]);
    expect(Array.from(t.getChild('time')!.data[0].values as BigInt64Array)).toEqual([
      1700000000123000000n,
      0n,
      -1000000n,
      9_000_000_000_000_000_000n,
      1000000000000000000n,
    ]);
    expect(t.getChild('s')!.toArray()).toEqual(['a', null, '', 'ünï', null]);
    expect(t.getChild('i')!.get(2)).toBe(-3n);
    expect(t.getChild('i')!.get(3)).toBe(2n ** 53n - 1n);
    expect(t.getChild('b')!.toArray()).toEqual([true, false, null, true, null]);
    expect(Object.is(t.getChild('n')!.get(4), -0)).toBe(true);
    expect(t.schema.fields[3].metadata.get('config')).toBe('{"unit":"ms","decimals":2}');
  });

  it('writes frames without rows, of every type', () => {
    const frame: Frame = {
      name: 'empty',
      fields: (['time', 'string', 'number', 'int64', 'boolean'] as FieldType[]).map((type) => ({
        name: type,
        type,
        values: [],
      })),
    };
    const t = tableFromIPC(expectSameAsApacheArrow(frame));
    expect(t.numRows).toBe(0);
    expect(t.schema.fields).toHaveLength(5);
  });

  it('writes frames without fields', () => {
    const t = tableFromIPC(
      expectSameAsApacheArrow({ refId: 'A', meta: { type: 'numeric-multi', typeVersion: [0, 1] }, fields: [] })
    );
    expect(t.numRows).toBe(0);
    expect(t.schema.fields).toEqual([]);
    expect(t.schema.metadata.get('refId')).toBe('A');
    expect(tableFromIPC(writeArrowFile([])).schema.metadata.size).toBe(0);
  });

  it('keeps unicode in values, names, labels and metadata', () => {
    const strings = [
      '日本語',
      '😀 emoji',
      'e\u0301',
      'ß'.repeat(40),
      'mixed ascii then ü',
      '\u0000nul',
      'x'.repeat(200) + '€',
      'lone \ud800 surrogate',
    ];
    const t = tableFromIPC(
      expectSameAsApacheArrow({
        name: 'файл',
        refId: 'Ä',
        meta: { executedQueryString: 'SELECT «x»' },
        fields: [
          {
            name: 'név',
            type: 'string',
            values: strings,
            labels: { 'queue 名': 'ü' },
            config: { displayNameFromDS: '⏱ wait' },
          },
          { name: '値', type: 'number', values: strings.map((_, i) => i) },
        ],
      })
    );
    expect(t.getChild('név')!.toArray().slice(0, 7)).toEqual(strings.slice(0, 7));
    expect(t.getChild('név')!.get(7)).toBe('lone \ufffd surrogate');
    expect(t.schema.metadata.get('name')).toBe('файл');
    expect(JSON.parse(t.schema.fields[0].metadata.get('labels')!)).toEqual({ 'queue 名': 'ü' });
  });

  it('writes large row counts', () => {
    const n = 100_003;
    const t0 = 1_700_000_000_000;
    const frame: Frame = {
      fields: [
        { name: 'time', type: 'time', values: Array.from({ length: n }, (_, i) => t0 + i * 1000) },
        { name: 'id', type: 'string', values: Array.from({ length: n }, (_, i) => (i % 97 === 0 ? null : `job-${i}`)) },
        { name: 'v', type: 'number', values: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i / 7)) },
        { name: 'c', type: 'int64', values: Array.from({ length: n }, (_, i) => i * 3) },
        {
          name: 'ok',
          type: 'boolean',
          values: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i % 3 === 0)),
        },
      ],
    };
    const t = tableFromIPC(expectSameAsApacheArrow(frame));
    expect(t.numRows).toBe(n);
    expect(t.getChild('id')!.nullCount).toBe(Math.ceil(n / 97));
    expect(t.getChild('time')!.get(n - 1)).toBe(t0 + (n - 1) * 1000);
  });

  it('writes many labelled fields (numeric-wide)', () => {
    const fields: Field[] = Array.from({ length: 3000 }, (_, i) => ({
      name: i % 2 ? 'wait' : 'active',
      type: 'number',
      values: [i],
      labels: { queue: `queue-${i}`, system: 'bullmq' },
      config: i % 5 ? { unit: 'short', links: [{ title: 'open', url: `http://x/${i}` }] } : undefined,
    }));
    const bytes = expectSameAsApacheArrow({
      name: 'wide',
      refId: 'W',
      meta: { type: 'numeric-wide', typeVersion: [0, 1] },
      fields,
    });
    const t = tableFromIPC(bytes);
    const reader = RecordBatchReader.from(bytes);
    reader.open();
    expect(reader.schema.fields).toHaveLength(3000);
    expect(reader.schema.fields[2998].metadata.get('config')).toBe(
      '{"unit":"short","links":[{"title":"open","url":"http://x/2998"}]}'
    );
    expect(reader.schema.fields[2999].metadata.get('labels')).toBe('{"queue":"queue-2999","system":"bullmq"}');
    expect(reader.schema.fields[0].metadata.has('config')).toBe(false);
    expect(t.getChildAt(2999)!.get(0)).toBe(2999);
  });

  it('writes column and schema metadata in order, and no metadata when given none', () => {
    const bytes = writeArrowFile(
      [
        {
          name: 'a',
          type: 'float64',
          values: [1],
          metadata: [
            ['k1', 'v1'],
            ['a', 'a'],
            ['k2', ''],
          ],
        },
        { name: 'b', type: 'utf8', values: ['x'] },
      ],
      [
        ['z', '1'],
        ['a', '2'],
      ]
    );
    const t = tableFromIPC(bytes);
    expect([...t.schema.metadata.entries()]).toEqual([
      ['z', '1'],
      ['a', '2'],
    ]);
    expect([...t.schema.fields[0].metadata.entries()]).toEqual([
      ['k1', 'v1'],
      ['a', 'a'],
      ['k2', ''],
    ]);
    expect(t.schema.fields[1].metadata.size).toBe(0);
    checkLayout(bytes);
  });

  it('returns independent buffers: a later call does not touch an earlier result', () => {
    const first = encodeFrame(allTypes());
    const copy = first.slice();
    for (let i = 0; i < 50; i++) {
      encodeFrame({ fields: [{ name: `f${i}`, type: 'string', values: ['y'.repeat(i * 1000)] }] });
    }
    expect(first).toEqual(copy);
    expect(describe_(first)).toEqual(describe_(encodeWithApacheArrow(allTypes())));
  });

  it('rejects columns of different lengths', () => {
    expect(() =>
      writeArrowFile([
        { name: 'a', type: 'float64', values: [1, 2] },
        { name: 'b', type: 'float64', values: [1] },
      ])
    ).toThrow(/"b" has 1 values, expected 2/);
  });
});
