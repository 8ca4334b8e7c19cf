/**
 * BullMQ beyond counts: job lists, failure groups, throughput, workers and stalled jobs,
 * against the library's own API on states the library made; then damaged data, which
 * must give partial answers and notices, never a crash.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import * as bullmq from 'bullmq';
import Redis from 'ioredis';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric, readTimeseriesMulti } from '../harness/grafana-frames';
import { bullConnection, deletePrefix, REDIS_URL, TEST_DB, testRedis, uniquePrefix, waitUntil } from '../support/redis';
import { BullmqState, makeBullmqState } from '../support/bullmq-states';
import { readContext } from '../support/read-context';
import { BullMQSystem } from '../../pkg/kinds/redis/systems/bullmq/bullmq';

const prefix = uniquePrefix('bullmq-more');
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const ds: DatasourceSettings = {
  uid: 'bullmq-more',
  jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, tracingDatasourceUid: 'tempo-uid' },
};
let plugin: PluginProcess;
let grafana: GrafanaClient;
let state: BullmqState;

beforeAll(async () => {
  state = await makeBullmqState(bullmq, prefix);
  await state.queues.emails.add('traced', { to: 'c@example.com', traceparent: TRACEPARENT });
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await state?.release();
  await deletePrefix(prefix);
});

async function query(json: object) {
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json }]);
  expect(A.error).toBeFalsy();
  return A.frames.map(decodeFrame);
}

function column(frame: ReturnType<typeof decodeFrame>, name: string) {
  return frame.fields.find((f) => f.name === name)!.values;
}

it('lists failed jobs newest first, as Queue.getFailed() does, with error, stack trace and payload', async () => {
  const [frame] = await query({ queryType: 'jobs', state: 'failed', queues: ['orders'] });
  const failed = await state.queues.orders.getFailed();
  expect(column(frame, 'id')).toEqual(failed.sort((a, b) => b.finishedOn! - a.finishedOn!).map((j) => j.id));
  expect(column(frame, 'error')).toEqual(failed.map((j) => j.failedReason));
  expect(column(frame, 'attempts')).toEqual(failed.map((j) => j.attemptsMade));
  expect(column(frame, 'stacktrace').every((s) => String(s).startsWith('Error: card declined for order'))).toBe(true);
  expect(column(frame, 'payload')).toEqual(failed.map((j) => JSON.stringify(j.data)));
  expect(column(frame, 'payload_kind')).toEqual(['json', 'json']);
});

it('groups failures by normalised reason with counts and an example', async () => {
  const [frame] = await query({ queryType: 'failures' });
  expect(column(frame, 'reason')).toEqual(['card declined for order <n>']);
  expect(column(frame, 'count')).toEqual([2]);
  const failed = await state.queues.orders.getFailed();
  expect(failed.map((j) => j.id)).toContain(column(frame, 'example_job_id')[0]);
  expect(column(frame, 'last_seen')[0]).toBe(Math.max(...failed.map((j) => j.finishedOn!)));
});

it('carries trace ids with a link to the configured tracing data source', async () => {
  const [frame] = await query({ queryType: 'jobs', state: 'waiting', queues: ['emails'] });
  const i = column(frame, 'name').indexOf('traced');
  expect(column(frame, 'trace_id')[i]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  const config = frame.fields.find((f) => f.name === 'trace_id')!.config as any;
  expect(config.links[0].internal).toMatchObject({ datasourceUid: 'tempo-uid', query: { query: '${__value.raw}' } });
});

it('finds the library’s workers, as Queue.getWorkers() does', async () => {
  const [frame] = await query({ queryType: 'workers', queues: ['orders'] });
  expect(column(frame, 'queues')).toHaveLength((await state.queues.orders.getWorkers()).length);
  expect(column(frame, 'alive')).toEqual([true]);
  const values = readNumeric(await query({ metrics: ['workers'] }));
  expect(values.find((v) => v.labels.queue === 'orders')!.value).toBe(1);
  expect(values.find((v) => v.labels.queue === 'emails')!.value).toBe(0); // work waiting, nobody serving it
});

it('counts completed and failed jobs per interval from the sets scored by finish time', async () => {
  const frames = await query({ queryType: 'timeseries', queues: ['orders'] });
  const series = readTimeseriesMulti(frames);
  const sum = (metric: string) => series.find((s) => s.metric === metric)!.values.reduce((a, b) => a + b, 0);
  const counts = await state.queues.orders.getJobCounts('completed', 'failed');
  expect([sum('completed'), sum('failed')]).toEqual([counts.completed, counts.failed]);
  expect(frames[0].meta?.notices?.[0].text).toMatch(/completed\/failed sets by finish time/);
});

it('reports an active job whose worker died as stalled once its lock expires', async () => {
  const q = new bullmq.Queue('fragile', { connection: bullConnection(), prefix });
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'bullmq', 'stalling-worker.js'), prefix, 'fragile', String(TEST_DB)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  try {
    await q.add('hang', { n: 1 });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGKILL');
    const r = testRedis();
    const [activeId] = await r.lrange(`${prefix}:fragile:active`, 0, -1);
    await waitUntil(
      'the lock to expire',
      async () => (await r.exists(`${prefix}:fragile:${activeId}:lock`)) === 0,
      10_000
    );
    r.disconnect();
    const values = readNumeric(await query({ queues: ['fragile'], metrics: ['active', 'stalled'] }));
    expect(values.map((v) => [v.metric, v.value])).toEqual([
      ['active', 1],
      ['stalled', 1],
    ]);
    const [frame] = await query({ queryType: 'jobs', state: 'stalled', queues: ['fragile'] });
    expect(column(frame, 'id')).toEqual([activeId]);
  } finally {
    child.kill('SIGKILL');
    await q.close();
  }
});

describe('damaged data', () => {
  const bad = uniquePrefix('bullmq-bad');
  const system = new BullMQSystem(bad);
  let r: Redis;
  let queue: bullmq.Queue;

  beforeAll(async () => {
    r = testRedis();
    queue = new bullmq.Queue('mixed', { connection: bullConnection(), prefix: bad });
    await queue.add('huge', { blob: 'x'.repeat(10 * 1024 * 1024) });
    await queue.add('huge-over-budget', { blob: 'y'.repeat(10 * 1024 * 1024) });
    const binary = await queue.add('binary', { ok: true });
    await r.hset(`${bad}:mixed:${binary.id}`, 'data', Buffer.from([0xff, 0x00, 0xfe, 0x01]));
    const broken = await queue.add('broken-opts', { ok: true });
    await r.hset(`${bad}:mixed:${broken.id}`, 'opts', '{not json');
    await r.lpush(`${bad}:mixed:wait`, 'ghost'); // an id whose hash is gone
    await r.hset(`${bad}:mixed:bare`, 'name', 'bare'); // a hash with almost nothing
    await r.lpush(`${bad}:mixed:wait`, 'bare');
    // a queue whose wait key has the wrong type
    await r.hset(`${bad}:wrongtype:meta`, 'version', 'bullmq:6.0.0');
    await r.set(`${bad}:wrongtype:wait`, 'not a list');
  });

  afterAll(async () => {
    await queue.close();
    r.disconnect();
    await deletePrefix(bad);
  });

  it('reads around a wrong-typed key with a notice', async () => {
    const ctx = readContext(r);
    const { queues } = await system.discover(ctx);
    expect(queues).toEqual(['mixed', 'wrongtype']);
    const stats = await system.overview(ctx, queues);
    expect(stats.find((s) => s.queue === 'mixed')!.values.wait).toBe(6);
    expect(stats.find((s) => s.queue === 'wrongtype')!.values.wait).toBeUndefined();
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/wrongtype: wait: WRONGTYPE/);
  });

  it('lists jobs with a 10 MB payload by size, binary as hex, bad JSON and missing fields tolerated', async () => {
    const ctx = readContext(r, { payloadLimit: 1024 });
    const rows = await system.jobs(ctx, ['mixed'], { state: 'waiting' });
    const byName = Object.fromEntries(rows.map((row) => [row.name ?? row.id, row]));
    expect(Object.keys(byName).sort()).toEqual(['bare', 'binary', 'broken-opts', 'huge', 'huge-over-budget']); // 'ghost' has no hash: skipped
    // Past the 16 MiB a list reads in large bodies: by size, marked unread (not an empty "text").
    expect(byName['huge-over-budget'].payload).toMatchObject({ truncated: true, kind: 'unread', preview: '' });
    // Over 1 MB: read whole (Redis has no partial HGET) within the list's budget, preview cut to the limit.
    expect(byName.huge.payload).toMatchObject({
      truncated: true,
      kind: 'json',
      preview: `{"blob":"${'x'.repeat(1024 - 9)}`,
    });
    expect(byName.huge.payload!.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(byName.binary.payload).toMatchObject({ kind: 'binary', preview: 'ff00fe01', bytes: 4 });
    expect(byName['broken-opts'].traceId).toBeUndefined();
    expect(byName.bare).toMatchObject({ id: 'bare', state: 'waiting', createdAt: undefined });
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/payload of \d+ bytes not read/);
  });

  it('answers for a queue deleted after discovery with zeros, not an error', async () => {
    const ctx = readContext(r);
    const { queues } = await system.discover(ctx);
    await deletePrefix(`${bad}:wrongtype`);
    const stats = await system.overview(ctx, queues);
    expect(stats.find((s) => s.queue === 'wrongtype')!.values).toMatchObject({ wait: 0, active: 0, failed: 0 });
  });
});
