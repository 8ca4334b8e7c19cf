/** Pure lag arithmetic and the Burrow-style trend rules of the `kafka` kind. */
import {
  deadLetterTopicsOf,
  evaluateLag,
  isDeadLetterTopic,
  LagSample,
  partitionLag,
  retained,
  SampleWindow,
  totalLag,
} from '../../pkg/kinds/kafka/systems/kafka/lag';
import { readRecordSet } from '../../pkg/kinds/kafka/record-batch';
import { OffsetTimes, PartitionTimeline } from '../../pkg/kinds/kafka/systems/kafka/offset-times';
import { spreadOrder } from '../../pkg/kinds/kafka/systems/kafka/time-lag';

const samples = (pairs: Array<[committed: number, lag: number]>): LagSample[] =>
  pairs.map(([committed, lag], i) => ({ at: i * 10_000, committed, lag }));

it('computes lag from the committed offset, or from the log start when nothing is committed', () => {
  expect(partitionLag({ partition: 0, low: 0, high: 10, committed: 4 })).toBe(6);
  expect(partitionLag({ partition: 0, low: 3, high: 10, committed: -1 })).toBe(7);
  // Committed below the log start (retention deleted messages): only retained ones count.
  expect(partitionLag({ partition: 0, low: 8, high: 10, committed: 2 })).toBe(2);
  expect(partitionLag({ partition: 0, low: 0, high: 10, committed: 10 })).toBe(0);
  expect(
    totalLag([
      { partition: 0, low: 0, high: 10, committed: 10 },
      { partition: 1, low: 0, high: 10, committed: 4 },
      { partition: 2, low: 0, high: 10, committed: -1 },
    ])
  ).toBe(16);
  expect(
    retained([
      { low: 2, high: 9 },
      { low: 0, high: 0 },
    ])
  ).toBe(7);
});

it('evaluates the lag trend like Burrow: OK, WARN, STALL, STOP', () => {
  expect(evaluateLag([], 1)).toBe('OK');
  expect(
    evaluateLag(
      samples([
        [0, 5],
        [5, 0],
        [9, 4],
      ]),
      1
    )
  ).toBe('OK'); // caught up once in the window
  expect(evaluateLag(samples([[0, 5]]), 0)).toBe('STOP'); // lag and nobody consuming
  expect(evaluateLag(samples([[0, 5]]), undefined)).toBe('OK'); // members unknown (KIP-848 group)
  expect(
    evaluateLag(
      samples([
        [7, 5],
        [7, 5],
        [7, 6],
      ]),
      undefined
    )
  ).toBe('STALL');
  expect(
    evaluateLag(
      samples([
        [0, 5],
        [0, 5],
      ]),
      1
    )
  ).toBe('OK'); // too early to tell
  expect(
    evaluateLag(
      samples([
        [7, 5],
        [7, 8],
        [7, 9],
      ]),
      2
    )
  ).toBe('STALL'); // members, no commits
  expect(
    evaluateLag(
      samples([
        [1, 5],
        [3, 8],
        [6, 9],
      ]),
      2
    )
  ).toBe('WARN'); // moving, falling behind
  expect(
    evaluateLag(
      samples([
        [1, 5],
        [3, 8],
        [6, 6],
      ]),
      2
    )
  ).toBe('OK'); // recovering
});

it('keeps the last N samples per key, replacing samples closer than the minimum gap', () => {
  const w = new SampleWindow(3, 1000, 2);
  for (let i = 0; i < 5; i++) {
    w.add('a', { at: i * 2000, committed: i, lag: i });
  }
  expect(w.add('a', { at: 8500, committed: 9, lag: 9 }).map((s) => s.lag)).toEqual([2, 3, 9]);
  w.add('b', { at: 0, committed: 0, lag: 1 });
  w.add('c', { at: 0, committed: 0, lag: 1 }); // evicts the oldest key
  expect(w.add('a', { at: 20_000, committed: 0, lag: 0 })).toHaveLength(1);
});

it('recognises dead-letter topics by name or setting', () => {
  expect(deadLetterTopicsOf('orders', new Set(['orders.DLT', 'orders-dlq', 'orders.dlt', 'other.DLT']))).toEqual([
    'orders.DLT',
    'orders-dlq',
  ]);
  expect(
    ['orders.DLT', 'orders-dlq', 'orders-DLQ', 'orders', 'graveyard'].map((t) => isDeadLetterTopic(t, ['graveyard']))
  ).toEqual([true, true, true, false, true]);
});

/** A record batch as the broker stores it (magic 2), records given already encoded. */
function batch(
  baseOffset: number,
  attributes: number,
  baseTs: number,
  maxTs: number,
  count: number,
  records: Buffer
): Buffer {
  const body = Buffer.alloc(49 + records.length);
  let o = 0;
  o = body.writeInt32BE(0, o); // partitionLeaderEpoch
  o = body.writeInt8(2, o); // magic
  o = body.writeInt32BE(0, o); // crc (not checked)
  o = body.writeInt16BE(attributes, o);
  o = body.writeInt32BE(count - 1, o); // lastOffsetDelta
  o = body.writeBigInt64BE(BigInt(baseTs), o);
  o = body.writeBigInt64BE(BigInt(maxTs), o);
  o = body.writeBigInt64BE(-1n, o);
  o = body.writeInt16BE(-1, o);
  o = body.writeInt32BE(-1, o);
  o = body.writeInt32BE(count, o);
  records.copy(body, o);
  const head = Buffer.alloc(12);
  head.writeBigInt64BE(BigInt(baseOffset), 0);
  head.writeInt32BE(body.length, 8);
  return Buffer.concat([head, body]);
}
const zz = (n: number) => {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  do {
    out.push((v % 128) | (v >= 128 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return Buffer.from(out);
};
const record = (tsDelta: number, offsetDelta: number, value: Buffer) => {
  const inner = Buffer.concat([Buffer.from([0]), zz(tsDelta), zz(offsetDelta), zz(-1), zz(value.length), value, zz(0)]);
  return Buffer.concat([zz(inner.length), inner]);
};

it('decodes record batches: deltas, a record cut by the byte bound (size kept), codecs it cannot read', () => {
  const recs = Buffer.concat([
    record(0, 0, Buffer.from('a')),
    record(-5000, 1, Buffer.from('b')),
    record(7000, 2, Buffer.alloc(300, 'z')),
  ]);
  const whole = batch(40, 0, 1_000_000, 1_007_000, 3, recs);
  const read = readRecordSet(whole, 1 << 20);
  expect(read.records.map((r) => [r.offset, r.timestamp, r.value!.toString().slice(0, 3), r.cut])).toEqual([
    [40, 1_000_000, 'a', false],
    [41, 995_000, 'b', false],
    [42, 1_007_000, 'zzz', false],
  ]);
  // Cut inside the third record's value: offset, timestamp and true value size survive.
  const cut = readRecordSet(whole.subarray(0, whole.length - 200), 1 << 20);
  expect(cut.records.map((r) => [r.offset, r.cut, r.valueSize, r.value!.length])).toEqual([
    [40, false, 1, 1],
    [41, false, 1, 1],
    [42, true, 300, 300 + 1 - 200], // the value, then a 1-byte header count, 200 bytes cut
  ]);
  // Snappy (codec 2): not decoded, the batch's timestamps and offsets still known.
  const snappy = readRecordSet(batch(7, 2, 123, 456, 3, Buffer.from([0, 0, 0, 3, 1, 2, 3])), 1 << 20);
  expect(snappy.records).toEqual([]);
  expect(snappy.batches[0]).toMatchObject({ baseOffset: 7, lastOffset: 9, baseTimestamp: 123, codec: 'snappy' });
  expect(snappy.batches[0].undecoded).toMatch(/no snappy codec/);
});

describe('offset → time lookup table (time lag at bounded cost)', () => {
  it('interpolates between the log-end samples around an offset and says so', () => {
    const t = new PartitionTimeline();
    t.addEnd(100, 1_000);
    t.addEnd(200, 2_000);
    t.addEnd(200, 3_000);
    t.addEnd(200, 4_000); // a flat run keeps its first and last sample
    t.addEnd(300, 5_000);
    expect(t.samples).toEqual([
      { offset: 100, at: 1_000 },
      { offset: 200, at: 2_000 },
      { offset: 200, at: 4_000 },
      { offset: 300, at: 5_000 },
    ]);
    expect(t.lookup(150)).toEqual({ ms: 1_500, from: 'interpolated' });
    // record 200 appeared after the quiet run, between 4 s and 5 s
    expect(t.lookup(200)).toEqual({ ms: 4_000, from: 'interpolated' });
    expect(t.lookup(250)).toEqual({ ms: 4_500, from: 'interpolated' });
    expect(t.lookup(99)).toBeUndefined(); // older than the table: to be read
    t.addRead(99, 900);
    expect(t.lookup(99)).toEqual({ ms: 900, from: 'read' });
    expect(t.lookupBetweenReads(50)).toBeUndefined(); // no read below it
    t.addRead(10, 100);
    expect(t.lookupBetweenReads(50)).toEqual({ ms: 100 + (40 / 89) * 800, from: 'interpolated' });
  });

  it('stays bounded and starts over when the log goes back', () => {
    const t = new PartitionTimeline(4, 2);
    for (let i = 1; i <= 10; i++) {
      t.addEnd(i * 10, i * 1000);
    }
    expect(t.samples.map((s) => s.offset)).toEqual([70, 80, 90, 100]);
    t.addEnd(100, 500); // time going back: ignored
    expect(t.samples).toHaveLength(4);
    t.addRead(1, 1);
    t.addRead(2, 2);
    t.addRead(3, 3);
    expect([t.lookup(1), t.lookup(3)?.from]).toEqual([undefined, 'read']);
    t.addEnd(5, 20_000); // topic recreated
    expect(t.samples).toEqual([{ offset: 5, at: 20_000 }]);
    expect(t.lookup(3)).toBeUndefined();
    const tables = new OffsetTimes(2);
    const a = tables.of('t', 0);
    tables.of('t', 1);
    tables.of('t', 2); // evicts the least recently used (t/0)
    expect(tables.of('t', 0)).not.toBe(a);
  });

  it('reads lowest and highest first, then the middles', () => {
    expect(spreadOrder([1, 2, 3, 4, 5])).toEqual([1, 5, 3, 2, 4]);
    expect(spreadOrder([7])).toEqual([7]);
  });
});
