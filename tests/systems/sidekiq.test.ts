/**
 * Sidekiq 6.4 (Debian's /usr/bin/sidekiq) makes a real state in Redis db 12: jobs that
 * succeed, raise into the retry set (retry: 1) and the dead set (retry: 0), a slow job
 * running, a backlog nobody serves, scheduled jobs, a job carrying a traceparent. Jobscope
 * reads it in-process and through the packaged executable, and a PARITY script prints
 * Sidekiq's own API numbers (Stats, Queue#size/#latency, the sets, ProcessSet.new(false),
 * WorkSet) for comparison. Last, the Sidekiq process is frozen (SIGSTOP) so its beat goes
 * stale: its running job must show as stalled.
 */
import type { ChildProcess } from 'child_process';
import Redis from 'ioredis';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric, readTimeseriesMulti } from '../harness/grafana-frames';
import { REDIS_HOST, REDIS_PORT, waitUntil } from '../support/redis';
import { deleteKeys, ruby, startSidekiq, stopSidekiq } from './sidekiq/sidekiq-process';
import { readContext } from '../support/read-context';
import { everyQueryType, runAsReadOnlyUser } from '../support/read-only';
import { SidekiqSystem } from '../../pkg/kinds/redis/systems/sidekiq/sidekiq';
import { STALE_AFTER_MS } from '../../pkg/kinds/redis/systems/sidekiq/processes';

/** Sidekiq without a namespace needs a database of its own. */
const DB = Number(process.env.JOBSCOPE_SIDEKIQ_REDIS_DB || 12);
const URL = `redis://${REDIS_HOST}:${REDIS_PORT}/${DB}`;
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

let redis: Redis;
let sidekiq: ChildProcess;
let jids: Record<string, string[]>;
const system = new SidekiqSystem();

/** Deletes this database's non-namespaced keys (the layout tests work under `jstest-*` namespaces). */
const cleanDb = () => deleteKeys(redis, (k) => k.startsWith('jstest-'));

async function processKey(): Promise<string> {
  const [id] = await redis.smembers('processes');
  return id;
}

beforeAll(async () => {
  redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
  await cleanDb();
  jids = JSON.parse(await ruby('producer.rb', URL));
  sidekiq = await startSidekiq(URL, redis);
}, 60_000);

afterAll(async () => {
  await stopSidekiq(sidekiq);
  await cleanDb();
  redis?.disconnect();
}, 30_000);

function byQueue(stats: Awaited<ReturnType<SidekiqSystem['overview']>>) {
  return Object.fromEntries(stats.map((s) => [s.queue, s.values]));
}

describe('parity with Sidekiq’s own API', () => {
  it('discovers the queues of the `queues` set, as Queue.all does', async () => {
    const ctx = readContext(redis);
    const parity = JSON.parse(await ruby('parity.rb', URL));
    expect((await system.discover(ctx)).queues).toEqual(Object.keys(parity.queues).sort());
    expect(Object.keys(parity.queues).sort()).toEqual(['backlog', 'critical', 'default', 'slow']);
  });

  it('matches Stats, Queue#size/#latency, the sets, ProcessSet and WorkSet', async () => {
    const before = Date.now();
    const parity = JSON.parse(await ruby('parity.rb', URL));
    const after = Date.now();
    const ctx = readContext(redis);
    const queues = (await system.discover(ctx)).queues;
    const values = byQueue(await system.overview(ctx, queues));
    for (const [name, q] of Object.entries<any>(parity.queues)) {
      expect({ name, wait: values[name].wait }).toEqual({ name, wait: q.size });
      // Latency moves with the clock: Sidekiq measured it during [before, after], we at ctx.now.
      const latency = values[name].oldest_wait_seconds!;
      if (q.size === 0) {
        expect(latency).toBe(0);
      } else {
        expect(latency).toBeGreaterThanOrEqual(q.latency - 0.01);
        expect(latency).toBeLessThanOrEqual(q.latency + (ctx.now - before) / 1000 + 0.01);
      }
      const running = parity.work.filter((w: any) => w.queue === name).length;
      expect({ name, active: values[name].active }).toEqual({ name, active: running });
      const serving = parity.processes.filter((p: any) => p.queues.includes(name) && p.quiet !== 'true').length;
      expect({ name, workers: values[name].workers }).toEqual({ name, workers: serving });
      expect(values[name].stalled).toBe(0);
    }
    expect(values['*']).toEqual({
      delayed: parity.scheduled,
      retries: parity.retry,
      dead: parity.dead,
      completed: parity.processed - parity.failed,
      failed: parity.failed,
    });
    expect(after).toBeGreaterThanOrEqual(before);
    // The state itself, so a broken producer cannot make the comparison vacuous.
    expect(values.backlog).toMatchObject({ wait: 5, active: 0, workers: 0 });
    expect(values.backlog.oldest_wait_seconds).toBeGreaterThan(0);
    expect(values.slow).toMatchObject({ wait: 0, active: 1, workers: 1 });
    expect(values['*']).toEqual({ delayed: 2, retries: 2, dead: 3, completed: 5, failed: 5 });
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/reported once under queue "\*"/);
  });

  it('lists retry, dead and scheduled jobs that RetrySet, DeadSet and ScheduledSet hold', async () => {
    const parity = JSON.parse(await ruby('parity.rb', URL));
    const ctx = readContext(redis);
    const queues = (await system.discover(ctx)).queues;
    const ids = async (state: any) => (await system.jobs(ctx, queues, { state })).map((r) => r.id).sort();
    expect(await ids('retry')).toEqual([...parity.retry_jids].sort());
    expect(await ids('dead')).toEqual([...parity.dead_jids].sort());
    expect(await ids('delayed')).toEqual([...parity.scheduled_jids].sort());
    expect(await ids('retry')).toEqual([...jids.flaky].sort());
    expect(await ids('dead')).toEqual([...jids.poison].sort());
  });

  it('sums the daily history as Stats::History does', async () => {
    const parity = JSON.parse(await ruby('parity.rb', URL));
    const ctx = readContext(redis, { from: Date.now() - 86_400_000, to: Date.now() });
    const series = await system.throughput(ctx, []);
    const today = new Date().toISOString().slice(0, 10);
    const last = (metric: string) => series.find((s) => s.metric === metric)!.values.at(-1);
    expect(last('failed')).toBe(parity.history.failed[today]);
    expect(last('completed')).toBe(parity.history.processed[today] - parity.history.failed[today]);
    expect(series.map((s) => s.labels)).toEqual([
      { system: 'sidekiq', queue: '*', metric: 'completed' },
      { system: 'sidekiq', queue: '*', metric: 'failed' },
    ]);
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(
      /daily counters.*per-minute metrics cover only the last 8 h/
    );
    // Within the last 8 h Sidekiq 7+ would have per-minute metrics; 6.4 writes none.
    const recent = readContext(redis, { from: Date.now() - 3600_000, to: Date.now() });
    const [completed] = await system.throughput(recent, []);
    expect(completed.values.at(-1)).toBe(parity.history.processed[today] - parity.history.failed[today]);
    expect(recent.notices.map((n) => n.text).join('\n')).toMatch(/daily counters.*no per-minute metrics found/);
  });
});

describe('job lists, failures and workers', () => {
  const ctx = () => readContext(redis);

  it('lists retry jobs with the real error, attempts, backtrace and payload', async () => {
    const rows = await system.jobs(ctx(), ['critical'], { state: 'retry' });
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ queue: 'critical', name: 'FlakyJob', state: 'retry', attempts: 1 });
      expect(r.error).toMatch(/^ArgumentError: bad input for order 10[01]$/);
      expect(r.stacktrace).toMatch(/jobs\.rb:\d+:in `perform'/);
      expect(r.payload?.kind).toBe('json');
      expect(JSON.parse(r.payload!.preview).args).toEqual([expect.any(Number)]);
      expect(Math.abs(r.finishedAt! - Date.now())).toBeLessThan(120_000);
      expect(Math.abs(r.createdAt! - Date.now())).toBeLessThan(120_000);
    }
  });

  it('lists failed jobs (retry and dead) in the time range, newest first', async () => {
    const rows = await system.jobs(ctx(), ['critical', 'default'], { state: 'failed' });
    expect(rows.map((r) => r.id).sort()).toEqual([...jids.flaky, ...jids.poison].sort());
    expect(rows.map((r) => r.finishedAt!)).toEqual(rows.map((r) => r.finishedAt!).sort((a, b) => b - a));
    const future = readContext(redis, { from: Date.now() + 3600_000, to: Date.now() + 7200_000 });
    expect(await system.jobs(future, ['critical'], { state: 'failed' })).toEqual([]);
  });

  it('lists waiting jobs oldest first, with the traceparent’s trace id', async () => {
    const rows = await system.jobs(ctx(), ['backlog'], { state: 'waiting' });
    expect(rows.map((r) => r.id)).toEqual([...jids.backlog, ...jids.traced]);
    expect(rows.find((r) => r.id === jids.traced[0])).toMatchObject({ name: 'TracedJob', traceId: TRACE_ID });
    expect(rows.filter((r) => r.traceId)).toHaveLength(1);
    const found = await system.jobs(ctx(), ['backlog'], { state: 'waiting', search: 'tracedjob' });
    expect(found.map((r) => r.id)).toEqual(jids.traced);
  });

  it('lists the running job from the process’s work hash', async () => {
    const rows = await system.jobs(ctx(), ['slow', 'default'], { state: 'active' });
    expect(rows.map((r) => r.id)).toEqual(jids.slow);
    expect(rows[0]).toMatchObject({ name: 'SlowJob', queue: 'slow', state: 'active' });
    expect(Math.abs(rows[0].processedAt! - Date.now())).toBeLessThan(120_000);
  });

  it('says completed jobs are not kept', async () => {
    const c = ctx();
    expect(await system.jobs(c, ['default'], { state: 'completed' })).toEqual([]);
    expect(c.notices.map((n) => n.text)).toContain(
      'Sidekiq does not keep completed jobs (only the stat:processed counters)'
    );
  });

  it('groups failures by error class and normalised message', async () => {
    const groups = await system.failures(ctx(), ['critical']);
    expect(groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
      ['critical', 'RuntimeError: poison pill in order <n>', 3],
      ['critical', 'ArgumentError: bad input for order <n>', 2],
    ]);
  });

  it('reports the Sidekiq process as a worker', async () => {
    const rows = await system.workers(ctx(), ['slow']);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      pid: sidekiq.pid,
      queues: ['default', 'critical', 'slow'],
      busy: 1,
      concurrency: 3,
      alive: true,
    });
    expect(rows[0].name).toBe(await processKey());
    expect(await system.workers(ctx(), ['backlog'])).toEqual([]);
  });
});

describe('through the packaged executable', () => {
  let plugin: PluginProcess;
  let grafana: GrafanaClient;
  const ds: DatasourceSettings = { uid: 'sidekiq-ds', jsonData: { kind: 'redis', url: URL } };

  beforeAll(async () => {
    plugin = await startPlugin();
    grafana = new GrafanaClient(plugin.target);
  });

  afterAll(() => {
    grafana?.close();
    plugin?.kill();
  });

  it('answers an overview with unique labels, global values under queue "*"', async () => {
    const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { system: 'sidekiq' } }], { FromAlert: 'true' });
    expect(A.error).toBeFalsy();
    const values = readNumeric(A.frames.map(decodeFrame)); // throws on duplicate label sets
    const get = (queue: string, metric: string) =>
      values.find((v) => v.labels.queue === queue && v.metric === metric)?.value;
    expect(get('backlog', 'wait')).toBe(5);
    expect(get('slow', 'active')).toBe(1);
    expect(get('*', 'dead')).toBe(3);
    expect(get('*', 'retries')).toBe(2);
    expect(get('*', 'failed')).toBe(5);
    expect(values.every((v) => v.labels.system === 'sidekiq')).toBe(true);
    expect(get('*', 'wait')).toBeUndefined();
  });

  it('answers a jobs query and a throughput query', async () => {
    const res = await grafana.queryData(ds, [
      { refId: 'J', json: { queryType: 'jobs', state: 'dead', system: 'sidekiq' } },
      { refId: 'T', json: { queryType: 'timeseries', system: 'sidekiq' } },
    ]);
    expect(res.J.error).toBeFalsy();
    const [frame] = res.J.frames.map(decodeFrame);
    const ids = frame.fields.find((f) => f.name === 'id')!.values;
    expect([...ids].sort()).toEqual([...jids.poison].sort());
    expect(res.T.error).toBeFalsy();
    const series = readTimeseriesMulti(res.T.frames.map(decodeFrame));
    expect(series.length).toBe(2);
  });

  it('answers every query type as a read-only ACL user, and MONITOR sees no write command', async () => {
    const report = await runAsReadOnlyUser({ kind: 'redis', url: URL }, everyQueryType({ system: 'sidekiq' }));
    expect(report.errors).toEqual({});
    expect(report.commands).toEqual(
      expect.arrayContaining(['llen', 'lindex', 'zcard', 'smembers', 'hmget', 'hkeys', 'hstrlen', 'hget'])
    );
    expect(report.writes).toEqual([]);
  });
});

describe('a process that stops beating', () => {
  it('reports its running job as stalled and the process as not alive', async () => {
    const id = await processKey();
    sidekiq.kill('SIGSTOP');
    try {
      await waitUntil(
        'the heartbeat to go stale',
        async () => Date.now() - Number(await redis.hget(id, 'beat')) * 1000 > STALE_AFTER_MS + 500,
        STALE_AFTER_MS + 15_000
      );
      const ctx = readContext(redis);
      const values = byQueue(await system.overview(ctx, ['slow', 'default']));
      // Still active (taken, not finished), and stalled: its process is gone.
      expect(values.slow).toMatchObject({ active: 1, stalled: 1, workers: 0 });
      expect((await system.jobs(ctx, ['slow'], { state: 'stalled' })).map((r) => r.id)).toEqual(jids.slow);
      expect((await system.jobs(ctx, ['slow'], { state: 'active' })).map((r) => [r.id, r.state])).toEqual(
        jids.slow.map((id: string) => [id, 'stalled'])
      );
      const [worker] = await system.workers(ctx, ['slow']);
      expect(worker).toMatchObject({ name: id, alive: false });
    } finally {
      sidekiq.kill('SIGCONT');
    }
  }, 70_000);
});
