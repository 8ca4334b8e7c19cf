/**
 * Bull 3/4 through the packaged executable, against Bull's own API on states Bull made
 * in-process: counts (getJobCounts, isPaused, getWorkers), job lists (getFailed,
 * getCompleted, getDelayed, getWaiting), failure groups, retries, throughput from the
 * finished sets and from Bull's worker metrics, a stalled job left by a killed worker —
 * and a BullMQ queue under the same prefix that each system must leave to the other.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import Bull from 'bull';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric, readTimeseriesMulti } from '../harness/grafana-frames';
import { deletePrefix, REDIS_URL, TEST_DB, testRedis, uniquePrefix, waitUntil } from '../support/redis';
import { BullState, bullRedis, makeBullState } from './bull/state';

const prefix = uniquePrefix('bull');
const ds: DatasourceSettings = {
  uid: 'bull-ds',
  jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, tracingDatasourceUid: 'tempo-uid' },
};
/** Bull getJobCounts() key → Jobscope metric name. */
const COUNT_KEYS: Record<string, string> = {
  waiting: 'wait',
  paused: 'paused',
  active: 'active',
  delayed: 'delayed',
  completed: 'completed',
  failed: 'failed',
};
let plugin: PluginProcess;
let grafana: GrafanaClient;
let state: BullState;

beforeAll(async () => {
  state = await makeBullState(prefix);
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

async function overview(json: object = {}) {
  return readNumeric(await query({ queryType: 'overview', ...json }));
}

describe('parity with Bull’s own API', () => {
  it('matches Queue.getJobCounts(), isPaused() and getWorkers() for every Bull queue', async () => {
    const values = await overview({ system: 'bull' });
    const get = (queue: string, metric: string) =>
      values.find((v) => v.labels.queue === queue && v.metric === metric)?.value;
    for (const [name, queue] of Object.entries(state.queues)) {
      const counts = (await queue.getJobCounts()) as unknown as Record<string, number>;
      for (const [key, metric] of Object.entries(COUNT_KEYS)) {
        expect({ name, metric, value: get(name, metric) }).toEqual({ name, metric, value: counts[key] });
      }
      expect({ name, paused: get(name, 'queue_paused') }).toEqual({ name, paused: (await queue.isPaused()) ? 1 : 0 });
      expect({ name, workers: get(name, 'workers') }).toEqual({ name, workers: (await queue.getWorkers()).length });
    }
    // The state itself, so a broken producer cannot make the comparison vacuous.
    const orders = Object.fromEntries(
      values.filter((v) => v.labels.queue === 'orders').map((v) => [v.metric, v.value])
    );
    expect(orders).toMatchObject({
      wait: 8, // 4 charges, 1 traced, 3 prioritized (Bull keeps those in wait too)
      prioritized: 3,
      active: 1,
      delayed: 3, // 2 delayed, 1 retry waiting out its backoff
      completed: 3,
      failed: 2,
      failed_in_range: 2,
      stalled: 0,
      queue_paused: 0,
      workers: 1,
    });
    expect(orders.waiting_children).toBeUndefined(); // Bull has no flows: not reported
    const emails = Object.fromEntries(
      values.filter((v) => v.labels.queue === 'emails').map((v) => [v.metric, v.value])
    );
    expect(emails).toMatchObject({ wait: 0, paused: 2, queue_paused: 1, workers: 0 });
    expect(values.every((v) => v.labels.system === 'bull')).toBe(true);
  });

  it('reports the age of the next waiting job from its timestamp', async () => {
    const r = testRedis();
    const next = (await r.lindex(`${prefix}:orders:wait`, -1))!;
    r.disconnect();
    const job = (await state.queues.orders.getJob(next))!;
    const before = (Date.now() - job.timestamp) / 1000;
    const [v] = await overview({ system: 'bull', queues: ['orders'], metrics: ['oldest_wait_seconds'] });
    expect(v.value).toBeGreaterThanOrEqual(before - 0.001);
    expect(v.value).toBeLessThan(before + 30);
  });

  it('lists failed jobs newest first, as Queue.getFailed() does, with error, attempts, stack trace and payload', async () => {
    const [frame] = await query({ queryType: 'jobs', state: 'failed', queues: ['orders'] });
    const failed = await state.queues.orders.getFailed();
    expect(failed).toHaveLength(2);
    expect(column(frame, 'id')).toEqual(failed.map((j) => String(j.id)));
    expect(column(frame, 'error')).toEqual(failed.map((j) => j.failedReason));
    expect(column(frame, 'attempts')).toEqual(failed.map((j) => j.attemptsMade));
    expect(column(frame, 'attempts')).toEqual([2, 2]); // really retried once
    expect(column(frame, 'finished')).toEqual(failed.map((j) => j.finishedOn));
    expect(column(frame, 'stacktrace').every((s) => String(s).startsWith('Error: card declined for order'))).toBe(true);
    expect(column(frame, 'payload')).toEqual(failed.map((j) => JSON.stringify(j.data)));
    expect(column(frame, 'system')).toEqual(['bull', 'bull']);
  });

  it('lists completed, delayed, active and waiting jobs as getCompleted/getDelayed/getActive/getWaiting do', async () => {
    const ids = async (state: string) =>
      column((await query({ queryType: 'jobs', state, queues: ['orders'] }))[0], 'id');
    const q = state.queues.orders;
    expect(await ids('completed')).toEqual((await q.getCompleted()).map((j) => String(j.id)));
    expect(await ids('delayed')).toEqual((await q.getDelayed()).map((j) => String(j.id)));
    expect(await ids('active')).toEqual((await q.getActive()).map((j) => String(j.id)));
    expect([...(await ids('waiting'))].sort()).toEqual((await q.getWaiting()).map((j) => String(j.id)).sort());
    const paused = column((await query({ queryType: 'jobs', state: 'waiting', queues: ['emails'] }))[0], 'id');
    expect([...paused].sort()).toEqual((await state.queues.emails.getWaiting()).map((j) => String(j.id)).sort());
  });

  it('lists the failed attempt waiting out its backoff as a retry', async () => {
    const [frame] = await query({ queryType: 'jobs', state: 'retry', queues: ['orders'] });
    const flaky = (await state.queues.orders.getDelayed()).filter((j) => j.attemptsMade > 0);
    expect(column(frame, 'id')).toEqual(flaky.map((j) => String(j.id)));
    expect(column(frame, 'name')).toEqual(['flaky']);
    expect(column(frame, 'state')).toEqual(['retry']);
    expect(column(frame, 'attempts')).toEqual([1]);
    expect(column(frame, 'error')).toEqual(['card declined for order 150']);
  });

  it('groups failures by normalised reason with counts and an example', async () => {
    const [frame] = await query({ queryType: 'failures', system: 'bull' });
    const failed = await state.queues.orders.getFailed();
    expect(column(frame, 'reason')).toEqual(['card declined for order <n>']);
    expect(column(frame, 'count')).toEqual([failed.length]);
    expect(failed.map((j) => String(j.id))).toContain(column(frame, 'example_job_id')[0]);
    expect(column(frame, 'last_seen')[0]).toBe(Math.max(...failed.map((j) => j.finishedOn!)));
  });

  it('carries the trace id a job carries, linked to the tracing data source', async () => {
    const [frame] = await query({ queryType: 'jobs', state: 'waiting', queues: ['orders'], search: 'traced' });
    expect(column(frame, 'name')).toEqual(['traced']);
    expect(column(frame, 'trace_id')).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });

  it('lists the library’s workers, as Queue.getWorkers() does', async () => {
    const [frame] = await query({ queryType: 'workers', system: 'bull' });
    const expected: string[] = [];
    for (const [name, queue] of Object.entries(state.queues)) {
      (await queue.getWorkers()).forEach(() => expected.push(name));
    }
    expect([...column(frame, 'queues')].sort()).toEqual(expected.sort());
    expect(column(frame, 'alive').every((a) => a === true)).toBe(true);
  });

  it('counts completed and failed per interval from the sets scored by finish time', async () => {
    const frames = await query({ queryType: 'timeseries', system: 'bull', queues: ['orders'] });
    const series = readTimeseriesMulti(frames);
    const sum = (metric: string) => series.find((s) => s.metric === metric)!.values.reduce((a, b) => a + b, 0);
    const counts = await state.queues.orders.getJobCounts();
    expect([sum('completed'), sum('failed')]).toEqual([counts.completed, counts.failed]);
    expect(series.map((s) => s.labels)).toEqual([
      expect.objectContaining({ system: 'bull', queue: 'orders' }),
      expect.anything(),
    ]);
    expect(frames[0].meta?.notices?.map((n: { text: string }) => n.text).join('\n')).toMatch(
      /completed\/failed sets by finish time/
    );
  });

  it('uses Bull’s per-minute worker metrics where the worker keeps them, as Queue.getMetrics() reports', async () => {
    const frames = await query({ queryType: 'timeseries', system: 'bull', queues: ['reports'] });
    const series = readTimeseriesMulti(frames);
    const completed = series.find((s) => s.metric === 'completed')!.values.reduce((a, b) => a + b, 0);
    expect(completed).toBe((await state.queues.reports.getMetrics('completed')).meta.count);
    expect(completed).toBe(2);
    expect(frames[0].meta?.notices?.map((n: { text: string }) => n.text).join('\n')).toMatch(
      /Bull worker metrics \(per minute\)/
    );
  });
});

describe('Bull and BullMQ under one prefix', () => {
  it('lists each queue under the system that made it', async () => {
    const res = await grafana.callResource(ds, 'GET', 'queues');
    expect(res.code).toBe(200);
    const listed = JSON.parse(res.body) as Array<{ system: string; queue: string }>;
    expect(listed.filter((q) => q.system === 'bull').map((q) => q.queue)).toEqual(['emails', 'orders', 'reports']);
    expect(listed.filter((q) => q.system === 'bullmq').map((q) => q.queue)).toEqual(['invoices']);
  });

  it('counts both in CheckHealth, and an overview labels each value with its system', async () => {
    const health = await grafana.checkHealth(ds);
    expect(health.status).toBe(1);
    expect(JSON.parse(health.jsonDetails!.toString())).toMatchObject({ systems: { bullmq: 1, bull: 3 } });
    const values = await overview({ metrics: ['wait', 'active'] });
    const wait = values.filter((v) => v.metric === 'wait');
    expect(wait.map((v) => `${v.labels.system}/${v.labels.queue}`).sort()).toEqual([
      'bull/emails',
      'bull/orders',
      'bull/reports',
      'bullmq/invoices',
    ]);
    expect(wait.find((v) => v.labels.queue === 'invoices')!.value).toBe(await state.bullmqQueue.getWaitingCount());
  });

  it('leaves a paused Bull queue to Bull although Bull writes a `meta` hash when pausing', async () => {
    const r = testRedis();
    const meta = await r.hgetall(`${prefix}:emails:meta`);
    r.disconnect();
    expect(meta).toEqual({ paused: '1' }); // what Bull 4 writes "for forward compatibility"
    const values = await overview({ queues: ['emails'], metrics: ['queue_paused'] });
    expect(values.map((v) => v.labels.system)).toEqual(['bull']);
  });
});

it('reports an active job whose worker died as stalled once its lock expires', async () => {
  const q = new Bull('fragile', { prefix, redis: bullRedis() });
  const child = spawn(
    process.execPath,
    [path.join(__dirname, 'bull', 'stalling-worker.js'), prefix, 'fragile', String(TEST_DB)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  const r = testRedis();
  try {
    await q.add({ n: 1 });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    child.kill('SIGKILL');
    const [activeId] = await r.lrange(`${prefix}:fragile:active`, 0, -1);
    await waitUntil(
      'the lock to expire',
      async () => (await r.exists(`${prefix}:fragile:${activeId}:lock`)) === 0,
      10_000
    );
    const values = await overview({ queues: ['fragile'], metrics: ['active', 'stalled', 'workers'] });
    expect(values.map((v) => [v.metric, v.value])).toEqual([
      ['active', 1],
      ['stalled', 1],
      ['workers', (await q.getWorkers()).length],
    ]);
    const [frame] = await query({ queryType: 'jobs', state: 'stalled', queues: ['fragile'] });
    expect(column(frame, 'id')).toEqual([activeId]);
    expect(column(frame, 'state')).toEqual(['stalled']);
  } finally {
    child.kill('SIGKILL');
    r.disconnect();
    await q.close();
  }
});
