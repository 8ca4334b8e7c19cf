/**
 * Encoding data frames as Arrow IPC files: apache-arrow's tableToIPC (the encoder we had)
 * against our own writer (pkg/frames/arrow-ipc.ts, behind encodeFrame), side by side in one
 * run, on the shapes Jobscope answers with. Median of several runs; ratio old/new.
 *
 *   node scripts/run-ts.mjs bench/frame-encoding.ts [--runs 9]
 */
import { encodeFrame, Frame } from '../pkg/frames/frame';
import { encodeWithApacheArrow } from '../tests/support/apache-arrow-encoder';
import { numericMulti, numericWide, InstantValue } from '../pkg/frames/dataplane';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const RUNS = arg('runs', 9);

const METRICS = [
  'wait',
  'active',
  'delayed',
  'prioritized',
  'waiting_children',
  'paused',
  'completed',
  'failed',
  'oldest_wait_seconds',
  'workers',
  'stalled',
  'completed_rate',
  'failed_rate',
];

/** The overview's values for `queues` queues, 13 metrics each, labelled as result-frames.ts does. */
function overviewValues(queues: number): InstantValue[] {
  const values: InstantValue[] = [];
  for (let q = 0; q < queues; q++) {
    const queue = `queue-${String(q).padStart(5, '0')}`;
    for (const metric of METRICS) {
      values.push({
        metric,
        labels: { system: 'bullmq', queue, metric },
        value: (q * 31 + metric.length) % 1000,
        config: { displayNameFromDS: `${queue} ${metric}`, unit: metric.endsWith('seconds') ? 's' : 'short' },
      });
    }
  }
  return values;
}

function jobsTable(rows: number): Frame {
  const t0 = 1_700_000_000_000;
  return {
    refId: 'J',
    name: 'jobs',
    meta: { preferredVisualisationType: 'table' },
    fields: [
      { name: 'id', type: 'string', values: Array.from({ length: rows }, (_, i) => String(100000 + i)) },
      { name: 'name', type: 'string', values: Array.from({ length: rows }, (_, i) => `send-email-${i % 7}`) },
      {
        name: 'failed_reason',
        type: 'string',
        values: Array.from({ length: rows }, (_, i) => `Error: connect ECONNREFUSED 10.0.0.${i % 255}:25`),
      },
      { name: 'attempts', type: 'number', values: Array.from({ length: rows }, (_, i) => i % 5) },
      {
        name: 'finished',
        type: 'time',
        values: Array.from({ length: rows }, (_, i) => (i % 10 === 0 ? null : t0 + i * 1000)),
      },
    ],
  };
}

function median(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

interface Case {
  name: string;
  /** Built when the case runs, so that no case pays for the others' heap. */
  frames: () => Frame[];
  /** Runs for apache-arrow when it is too slow for RUNS. */
  oldRuns?: number;
}

const cases: Case[] = [
  {
    name: 'numeric-wide: 1 frame × 2,600 float64 fields (200 queues)',
    frames: () => [numericWide('A', overviewValues(200))],
  },
  { name: 'numeric-multi: 2,600 single-field frames', frames: () => numericMulti('A', overviewValues(200)) },
  { name: 'table: 2,600 rows × (3 utf8, float64, nullable time)', frames: () => [jobsTable(2600)] },
  {
    name: 'numeric-wide: 1 frame × 130,000 fields (10,000 queues)',
    frames: () => [numericWide('A', overviewValues(10_000))],
    oldRuns: 3,
  },
  {
    name: 'numeric-multi: 130,000 single-field frames',
    frames: () => numericMulti('A', overviewValues(10_000)),
    oldRuns: 1,
  },
];

const encodeAll = (encode: (f: Frame) => Uint8Array, frames: Frame[]) => () => {
  for (const f of frames) {
    encode(f);
  }
};

const rows: string[][] = [['case', 'apache-arrow ms', 'ours ms', 'old/new', 'bytes (old → ours)']];
for (const c of cases) {
  const frames = c.frames();
  // warm both up on this shape (the JIT, and our writer's reusable buffers)
  const warm = c.oldRuns ? 1 : 3;
  for (let i = 0; i < warm; i++) {
    encodeAll(encodeWithApacheArrow, frames)();
    encodeAll(encodeFrame, frames)();
  }
  const oldMs = median(encodeAll(encodeWithApacheArrow, frames), Math.min(RUNS, c.oldRuns ?? RUNS));
  const newMs = median(encodeAll(encodeFrame, frames), RUNS);
  const bytes = (encode: (f: Frame) => Uint8Array) => frames.slice(0, 2600).reduce((n, f) => n + encode(f).length, 0);
  const sampled = frames.length > 2600 ? ' (first 2,600 frames)' : '';
  rows.push([
    c.name,
    oldMs.toFixed(2),
    newMs.toFixed(2),
    `${(oldMs / newMs).toFixed(1)}×`,
    `${bytes(encodeWithApacheArrow)} → ${bytes(encodeFrame)}${sampled}`,
  ]);
}

const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows) {
  console.log(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
}
console.log(`\nmedian of ${RUNS} runs (apache-arrow: fewer where noted by oldRuns); node ${process.version}`);
