import { tableFromIPC } from 'apache-arrow';
import { encodeFrame } from './frame';
import { numericMulti, numericWide, table, timeseriesMulti } from './dataplane';

const decode = (bytes: Uint8Array) => tableFromIPC(bytes);

describe('encodeFrame', () => {
  it('writes an Arrow IPC file with Grafana schema and field metadata', () => {
    const bytes = encodeFrame({
      name: 'jobs',
      refId: 'A',
      meta: { type: 'numeric-multi', typeVersion: [0, 1], notices: [{ severity: 'info', text: 'hi' }] },
      fields: [
        {
          name: 'wait',
          type: 'number',
          values: [3],
          labels: { queue: 'emails' },
          config: { unit: 'short', links: [{ title: 'x', url: 'http://t' }] },
        },
      ],
    });
    expect(Buffer.from(bytes.subarray(0, 6)).toString()).toBe('ARROW1');
    expect(Buffer.from(bytes.subarray(bytes.length - 6)).toString()).toBe('ARROW1');
    const t = decode(bytes);
    expect(t.schema.metadata.get('name')).toBe('jobs');
    expect(t.schema.metadata.get('refId')).toBe('A');
    expect(JSON.parse(t.schema.metadata.get('meta')!)).toEqual({
      type: 'numeric-multi',
      typeVersion: [0, 1],
      notices: [{ severity: 'info', text: 'hi' }],
    });
    const field = t.schema.fields[0];
    expect(field.name).toBe('wait');
    expect(String(field.type)).toBe('Float64');
    expect(field.nullable).toBe(false);
    expect(JSON.parse(field.metadata.get('labels')!)).toEqual({ queue: 'emails' });
    expect(JSON.parse(field.metadata.get('config')!).unit).toBe('short');
    expect(t.getChild('wait')!.get(0)).toBe(3);
  });

  it('writes strings as plain Utf8, never dictionaries, and marks nullable columns', () => {
    const t = decode(
      encodeFrame({
        fields: [
          { name: 'id', type: 'string', values: ['a', 'a', 'b'] },
          { name: 'attempts', type: 'int64', values: [1, null, 3] },
          { name: 'ok', type: 'boolean', values: [true, false, true] },
        ],
      })
    );
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(['Utf8', 'Int64', 'Bool']);
    expect(t.schema.fields.map((f) => f.nullable)).toEqual([false, true, false]);
    expect(t.getChild('attempts')!.get(1)).toBeNull();
    expect(t.getChild('attempts')!.get(2)).toBe(3n);
  });

  it('writes exact nanosecond timestamps, non-nullable', () => {
    const t = decode(encodeFrame({ fields: [{ name: 'time', type: 'time', values: [1700000000123] }] }));
    const field = t.schema.fields[0];
    expect(String(field.type)).toBe('Timestamp<NANOSECOND>');
    expect(field.nullable).toBe(false);
    const raw = t.getChild('time')!.data[0].values as BigInt64Array;
    expect(raw[0]).toBe(1700000000123000000n);
  });

  it('marks a time column with missing values nullable (tables only: series refuse it)', () => {
    const t = decode(encodeFrame({ fields: [{ name: 'finished', type: 'time', values: [1700000000123, null] }] }));
    expect(t.schema.fields[0].nullable).toBe(true);
    expect(t.getChild('finished')!.get(1)).toBeNull();
    expect(t.getChild('finished')!.get(0)).toBe(1700000000123);
  });

  it('rejects ragged fields', () => {
    expect(() =>
      encodeFrame({
        fields: [
          { name: 'a', type: 'number', values: [1] },
          { name: 'b', type: 'number', values: [1, 2] },
        ],
      })
    ).toThrow(/expected 1/);
  });
});

describe('data-plane shapes', () => {
  it('numeric-multi: one single-row frame per value; notices on the first only', () => {
    const frames = numericMulti(
      'A',
      [
        { metric: 'wait', labels: { queue: 'a' }, value: 1 },
        { metric: 'wait', labels: { queue: 'b' }, value: 2 },
      ],
      { notices: [{ severity: 'info', text: 'n' }] }
    );
    expect(frames).toHaveLength(2);
    expect(frames[0].meta).toEqual({
      type: 'numeric-multi',
      typeVersion: [0, 1],
      notices: [{ severity: 'info', text: 'n' }],
    });
    expect(frames[1].meta).toEqual({ type: 'numeric-multi', typeVersion: [0, 1] });
    expect(frames[1].fields).toEqual([
      { name: 'wait', type: 'number', values: [2], labels: { queue: 'b' }, config: undefined },
    ]);
  });

  it('numeric-wide: one single-row frame, a labelled field per value', () => {
    const frame = numericWide('A', [
      { metric: 'wait', labels: { queue: 'a', metric: 'wait' }, value: 1 },
      { metric: 'active', labels: { queue: 'a', metric: 'active' }, value: 2 },
    ]);
    expect(frame.meta).toEqual({ type: 'numeric-wide', typeVersion: [0, 1] });
    expect(frame.fields.map((f) => [f.name, f.values, f.labels])).toEqual([
      ['wait', [1], { queue: 'a', metric: 'wait' }],
      ['active', [2], { queue: 'a', metric: 'active' }],
    ]);
    expect(numericWide('A', []).fields).toEqual([]);
  });

  it('numeric-multi: no values gives one typed frame without fields', () => {
    expect(numericMulti('A', [])).toEqual([
      { refId: 'A', name: 'A', meta: { type: 'numeric-multi', typeVersion: [0, 1] }, fields: [] },
    ]);
  });

  it('refuses duplicate label sets, which alerting cannot evaluate, even under different field names', () => {
    expect(() =>
      numericMulti('A', [
        { metric: 'wait', labels: { queue: 'a' }, value: 1 },
        { metric: 'active', labels: { queue: 'a' }, value: 2 },
      ])
    ).toThrow(/duplicate/);
    expect(() =>
      numericMulti('A', [
        { metric: 'wait', labels: { queue: 'a', system: 'bullmq' }, value: 1 },
        { metric: 'wait', labels: { system: 'bullmq', queue: 'a' }, value: 2 },
      ])
    ).toThrow(/duplicate/);
  });

  it('timeseries-multi: time then value field; unsorted series are refused', () => {
    const [frame] = timeseriesMulti('B', [
      { metric: 'completed', labels: { queue: 'a' }, times: [1, 2], values: [5, 6] },
    ]);
    expect(frame.fields.map((f) => [f.name, f.type])).toEqual([
      ['time', 'time'],
      ['completed', 'number'],
    ]);
    expect(() => timeseriesMulti('B', [{ metric: 'x', labels: {}, times: [2, 1], values: [1, 1] }])).toThrow(/sorted/);
  });

  it('table: marked for table display with notices', () => {
    const t = table('C', 'failed', [{ name: 'id', type: 'string', values: ['1'] }], {
      notices: [{ severity: 'warning', text: 'w' }],
      executedQueryString: 'q',
    });
    expect(t.meta).toEqual({
      preferredVisualisationType: 'table',
      notices: [{ severity: 'warning', text: 'w' }],
      executedQueryString: 'q',
    });
  });
});
