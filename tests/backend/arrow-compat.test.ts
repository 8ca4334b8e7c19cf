/**
 * Our Arrow IPC writer (pkg/frames/arrow-ipc.ts, behind encodeFrame) against the reader
 * Grafana itself uses: frames of every shape and type are written to a temporary directory
 * with an expectations.json, then tests/gohost/arrow_compat_test.go reads them with the Go
 * SDK's data.UnmarshalArrowFrame(s) and checks names, types, nullability, labels, config,
 * meta and every value. Any file the SDK rejects fails this test.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeFrame, Field, FieldType, Frame } from '../../pkg/frames/frame';
import { numericMulti, numericWide, table, timeseriesMulti } from '../../pkg/frames/dataplane';

const GOHOST_DIR = path.resolve(__dirname, '../gohost');

const GO_TYPE: Record<FieldType, string> = {
  number: 'float64',
  int64: 'int64',
  string: 'string',
  boolean: 'bool',
  time: 'time.Time',
};

const missing = (f: Field, v: unknown) =>
  v === null || v === undefined || (f.type === 'time' && !Number.isFinite(Number(v)));

/** A value as the Go test encodes what the SDK read (see encodeValue there). */
function expectedValue(f: Field, v: unknown): unknown {
  if (missing(f, v)) {
    return null;
  }
  switch (f.type) {
    case 'number':
      return new BigUint64Array(Float64Array.of(Number(v)).buffer)[0].toString();
    case 'int64':
      return BigInt(Math.trunc(Number(v))).toString();
    case 'time':
      return (BigInt(Math.round(Number(v))) * 1_000_000n).toString();
    case 'string':
      return Buffer.from(String(v), 'utf8').toString('utf8'); // lone surrogates become U+FFFD
    case 'boolean':
      return Boolean(v);
  }
}

function expectations(file: string, frame: Frame) {
  return {
    file,
    name: frame.name ?? '',
    refId: frame.refId ?? '',
    meta: frame.meta
      ? {
          type: frame.meta.type ?? '',
          typeVersion: frame.meta.typeVersion ?? [0, 0],
          executedQueryString: frame.meta.executedQueryString ?? '',
          notices: frame.meta.notices?.length ?? 0,
          preferredVisualisationType: frame.meta.preferredVisualisationType ?? '',
        }
      : null,
    fields: frame.fields.map((f) => ({
      name: f.name,
      type: (f.values.some((v) => missing(f, v)) ? '*' : '') + GO_TYPE[f.type],
      labels: f.labels ?? {},
      config:
        f.config && Object.keys(f.config).length > 0
          ? {
              unit: f.config.unit ?? '',
              displayNameFromDS: f.config.displayNameFromDS ?? '',
              links: f.config.links?.length ?? 0,
            }
          : null,
      values: f.values.map((v) => expectedValue(f, v)),
    })),
  };
}

const T0 = 1_700_000_000_000;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const queues = (n: number) =>
  range(n).flatMap((q) =>
    ['wait', 'active', 'failed'].map((metric) => ({
      metric,
      labels: { system: 'bullmq', queue: `queue-${q}`, metric },
      value: q * 3 + metric.length,
      config: { displayNameFromDS: `queue-${q} ${metric}`, unit: 'short' },
    }))
  );

function frames(): Array<[string, Frame]> {
  const out: Array<[string, Frame]> = [
    [
      'all-types',
      {
        name: 'all',
        refId: 'A',
        meta: {
          type: 'table',
          typeVersion: [0, 1],
          executedQueryString: 'LRANGE x',
          notices: [{ severity: 'info', text: 'n' }],
        },
        fields: [
          { name: 'time', type: 'time', values: [T0 + 123, 0, -1, 9_000_000_000_000, 1e12 + 0.4] },
          { name: 'finished', type: 'time', values: [T0, null, undefined, NaN, Infinity] },
          { name: 'id', type: 'string', values: ['a', 'b', '', 'd', 'e'] },
          { name: 's', type: 'string', values: ['a', null, '', 'ünï', undefined] },
          {
            name: 'n',
            type: 'number',
            values: [1.5, null, NaN, -Infinity, -0],
            labels: { queue: 'q' },
            config: { unit: 'ms', decimals: 2 },
          },
          { name: 'dense', type: 'number', values: [1, 2, 3, Number.MAX_VALUE, Number.MIN_VALUE] },
          { name: 'count', type: 'int64', values: [0, 1, -1, 2 ** 53 - 1, -(2 ** 53) + 1] },
          { name: 'i', type: 'int64', values: [1, null, -3.7, 42, undefined] },
          { name: 'b', type: 'boolean', values: [true, false, null, true, undefined] },
          { name: 'flags', type: 'boolean', values: [true, false, false, true, true] },
        ],
      },
    ],
    [
      'no-rows',
      {
        name: 'empty',
        refId: 'B',
        fields: (['time', 'string', 'number', 'int64', 'boolean'] as FieldType[]).map((type) => ({
          name: type,
          type,
          values: [],
        })),
      },
    ],
    ['no-fields', { refId: 'C', name: 'C', meta: { type: 'numeric-multi', typeVersion: [0, 1] }, fields: [] }],
    [
      'unicode',
      {
        name: 'файл',
        refId: 'Ä',
        meta: { executedQueryString: 'SELECT «x»' },
        fields: [
          {
            name: 'név',
            type: 'string',
            values: ['日本語', '😀 emoji', 'e\u0301', 'ß'.repeat(40), 'lone \ud800 surrogate', 'x'.repeat(300) + '€'],
            labels: { 'queue 名': 'ü' },
            config: { displayNameFromDS: '⏱ wait', links: [{ title: 'ö', url: 'http://x/ö' }] },
          },
        ],
      },
    ],
    ['numeric-wide', numericWide('W', queues(870), { notices: [{ severity: 'warning', text: 'partial' }] })],
    [
      'timeseries',
      timeseriesMulti('TS', [
        {
          metric: 'completed',
          labels: { system: 'bullmq', queue: 'a', metric: 'completed' },
          times: range(500).map((i) => T0 + i * 1000),
          values: range(500).map((i) => i % 7),
        },
      ])[0],
    ],
    [
      'table-large',
      table(
        'J',
        'failed',
        [
          { name: 'id', type: 'string', values: range(50_000).map((i) => `job-${i}`) },
          {
            name: 'reason',
            type: 'string',
            values: range(50_000).map((i) => (i % 9 === 0 ? null : `Error ${i % 13}: connect ECONNREFUSED`)),
          },
          { name: 'attempts', type: 'int64', values: range(50_000).map((i) => (i % 17 === 0 ? null : i % 5)) },
          { name: 'progress', type: 'number', values: range(50_000).map((i) => (i % 11 === 0 ? null : i / 3)) },
          { name: 'finished', type: 'time', values: range(50_000).map((i) => (i % 10 === 0 ? null : T0 + i)) },
          { name: 'retried', type: 'boolean', values: range(50_000).map((i) => i % 3 === 0) },
        ],
        { notices: [{ severity: 'info', text: 'first 50,000' }], executedQueryString: 'ZRANGE' }
      ),
    ],
  ];
  numericMulti('M', queues(4), { notices: [{ severity: 'info', text: 'n' }] }).forEach((f, i) =>
    out.push([`numeric-multi-${i}`, f])
  );
  return out;
}

describe('Arrow files as the Go SDK reads them', () => {
  it('data.UnmarshalArrowFrame(s) accepts every frame and reads back what was written', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-arrow-'));
    try {
      const expected = frames().map(([name, frame]) => {
        const file = `${name}.arrow`;
        fs.writeFileSync(path.join(dir, file), encodeFrame(frame));
        return expectations(file, frame);
      });
      fs.writeFileSync(path.join(dir, 'expectations.json'), JSON.stringify(expected));
      let output: string;
      try {
        output = execFileSync('go', ['test', '-count=1', '-v', '-run', '^TestArrowCompat$', '.'], {
          cwd: GOHOST_DIR,
          env: { ...process.env, JOBSCOPE_ARROW_DIR: dir },
          encoding: 'utf8',
          stdio: 'pipe',
        });
      } catch (e: any) {
        throw new Error(`go test failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
      expect(output).toMatch(/--- PASS: TestArrowCompat /);
      expect(output).not.toMatch(/SKIP/);
      for (const { file } of expected) {
        expect(output).toContain(`--- PASS: TestArrowCompat/${file.replace(/\s/g, '_')}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
