/**
 * Every answer is bounded, through the packaged executable: 100 jobs that the real BullMQ
 * made and failed, each with a 1 MB name, a 1 MB error (and the stack trace BullMQ keeps
 * with it) and a 1 MB payload. Every text field comes back cut with its full size, and a
 * job list that would pass the per-query cap leaves rows out with a notice saying how
 * many and why. (Unbounded, the same list answered 200 MB.)
 */
import * as fs from 'fs';
import * as bullmq from 'bullmq';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame } from '../harness/grafana-frames';
import { bullConnection, deletePrefix, REDIS_URL, uniquePrefix, waitUntil } from '../support/redis';
import { LONG_TEXT_BYTES, QUERY_BYTES, SHORT_TEXT_BYTES } from '../../pkg/frames/bounds';

const MB = 1024 * 1024;
const JOBS = 100;
const prefix = uniquePrefix('bounds');
let plugin: PluginProcess;
let grafana: GrafanaClient;
let queue: bullmq.Queue;

const ds = (payloadLimitBytes?: number): DatasourceSettings => ({
  uid: `bounds-${payloadLimitBytes ?? 'default'}`,
  jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, ...(payloadLimitBytes ? { payloadLimitBytes } : {}) },
});

beforeAll(async () => {
  queue = new bullmq.Queue('huge', { connection: bullConnection(), prefix });
  await queue.addBulk(
    Array.from({ length: JOBS }, (_, i) => ({
      name: `job-${i}-${'n'.repeat(MB)}`,
      data: { i, blob: 'p'.repeat(MB - 32) },
      opts: { attempts: 1 },
    }))
  );
  const worker = new bullmq.Worker(
    'huge',
    async (job) => {
      throw new Error(`boom ${job.data.i} ${'e'.repeat(MB)}`);
    },
    { connection: bullConnection(), prefix, concurrency: 10 }
  );
  await waitUntil('100 failed jobs', async () => (await queue.getFailedCount()) === JOBS, 120_000);
  await worker.close();
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
}, 180_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await queue?.close();
  await deletePrefix(prefix);
});

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function jobsQuery(settings: DatasourceSettings) {
  const { A } = await grafana.queryData(settings, [
    { refId: 'A', json: { queryType: 'jobs', state: 'failed', queues: ['huge'], limit: JOBS } },
  ]);
  expect(A.error).toBeFalsy();
  expect(A.status).toBe(200);
  const bytes = A.frames.reduce((n, f) => n + f.length, 0);
  const [frame] = A.frames.map(decodeFrame);
  const col = (name: string) => frame.fields.find((f) => f.name === name)!.values as Array<string | null>;
  return { bytes, frame, col, notices: (frame.meta?.notices ?? []) as Array<{ severity: string; text: string }> };
}

it('cuts names and errors to their limits with the full size, and every row fits', async () => {
  const { bytes, col, notices } = await jobsQuery(ds());
  const failed = await queue.getFailed(0, JOBS);
  expect([...col('id')].sort()).toEqual(failed.map((j) => j.id!).sort());
  // BullMQ's stack trace of such a job passes 1 MB: the adapter does not read it at all.
  expect(col('stacktrace').every((v) => v === null)).toBe(true);
  for (const [name, limit] of [
    ['name', SHORT_TEXT_BYTES],
    ['error', LONG_TEXT_BYTES],
  ] as const) {
    for (const v of col(name)) {
      const m = /… \[cut at (\d+) of (\d+) bytes\]$/.exec(v!);
      expect(m).not.toBeNull();
      expect(Number(m![1])).toBeLessThanOrEqual(limit);
      expect(Number(m![2])).toBeGreaterThan(MB);
    }
  }
  // The library's own values begin as the cut ones do.
  const byId = new Map(failed.map((j) => [j.id!, j]));
  col('id').forEach((id, i) => {
    expect(byId.get(id!)!.name.startsWith(col('name')[i]!.replace(/… \[cut at.*$/, ''))).toBe(true);
    expect(byId.get(id!)!.failedReason.startsWith(col('error')[i]!.replace(/… \[cut at.*$/, ''))).toBe(true);
  });
  expect(notices.map((n) => n.text)).toContainEqual(
    expect.stringMatching(
      /^text cut to 1024 bytes .*name in 100 row\(s\), error in 100 row\(s\); each cut value ends with its full size$/
    )
  );
  expect(notices.some((n) => /rows left out/.test(n.text))).toBe(false);
  expect(bytes).toBeLessThan(4 * MB);
  console.log(
    `100 failed jobs with 1 MB names, errors and payloads (payload limit 4 KiB): response ${(bytes / MB).toFixed(2)} MiB, plugin peak RSS ${peakRssMiB(plugin.child.pid!).toFixed(0)} MiB`
  );
}, 60_000);

it('leaves rows out past the per-query cap, with a notice saying how many and why', async () => {
  // A 1 MiB payload limit makes each row about 1 MiB: 100 of them would pass the 16 MiB cap.
  const { bytes, col, notices } = await jobsQuery(ds(MB));
  const shown = col('id').length;
  expect(shown).toBeGreaterThan(0);
  expect(shown).toBeLessThan(JOBS);
  expect(bytes).toBeLessThan(QUERY_BYTES + MB);
  const notice = notices.find((n) => /rows left out/.test(n.text))!;
  expect(notice).toMatchObject({ severity: 'warning' });
  expect(notice.text).toBe(
    `${JOBS - shown} of ${JOBS} rows left out: the answer would pass 16 MiB, the size a query may return; narrow it (state, queues, search) or lower its limit`
  );
  // The rows shown are the newest failures, in order, as Queue.getFailed() would start.
  const failed = (await queue.getFailed(0, JOBS)).sort((a, b) => b.finishedOn! - a.finishedOn!);
  expect(col('id')).toEqual(failed.slice(0, shown).map((j) => j.id));
  console.log(
    `same list with a 1 MiB payload limit: ${shown} of ${JOBS} rows, response ${(bytes / MB).toFixed(2)} MiB; notice: ${notice.text}; plugin peak RSS ${peakRssMiB(plugin.child.pid!).toFixed(0)} MiB`
  );
}, 60_000);

it('cuts the example message of a failure group too', async () => {
  const { A } = await grafana.queryData(ds(), [{ refId: 'A', json: { queryType: 'failures', queues: ['huge'] } }]);
  expect(A.error).toBeFalsy();
  const [frame] = A.frames.map(decodeFrame);
  const example = frame.fields.find((f) => f.name === 'example_message')!.values as string[];
  expect(example.length).toBeGreaterThan(0);
  example.forEach((v) => expect(Buffer.byteLength(v)).toBeLessThan(LONG_TEXT_BYTES + 64));
  expect(A.frames.reduce((n, f) => n + f.length, 0)).toBeLessThan(MB);
}, 60_000);

it('cuts a queue name in the query editor’s queue list as in frames, keeping names apart', async () => {
  const long = (last: string) => `${'q'.repeat(4 * 1024)}${last}`;
  const queues = [new bullmq.Queue(long('a'), { connection: bullConnection(), prefix })];
  queues.push(new bullmq.Queue(long('b'), { connection: bullConnection(), prefix }));
  await Promise.all(queues.map((q) => q.add('x', {})));
  try {
    // A data source of its own: the others' discovery (cached 30 s) ran before these queues were made.
    const res = await grafana.callResource({ ...ds(), uid: 'bounds-queue-list' }, 'GET', 'queues');
    expect(res.code).toBe(200);
    const listed = (JSON.parse(res.body.toString()) as Array<{ queue: string }>).map((q) => q.queue);
    const cut = listed.filter((q) => q.startsWith('qqqq'));
    expect(cut).toHaveLength(2);
    expect(new Set(cut).size).toBe(2); // the digest of the whole name tells them apart
    for (const name of cut) {
      expect(name).toMatch(/… \[cut at \d+ of 4097 bytes\] #[0-9a-f]{12}$/);
      expect(Buffer.byteLength(name)).toBeLessThan(SHORT_TEXT_BYTES + 64);
    }
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
});
