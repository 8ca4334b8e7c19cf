/**
 * The `postgres` kind on real River v0.51.1 state (Go, tests/systems/postgres/river/main.go):
 * River's own migrator (rivermigrate, line main 001–008) into schema `river_fixture` of a
 * database of this file's own; a real client completes jobs, fails them (max_attempts 1 →
 * discarded; attempts left → retryable in 1 h by its retry policy), cancels one (JobCancel),
 * snoozes one (scheduled), holds two (running) and exits without stopping, as a crashed
 * process would; the `reports` queue is paused before its jobs arrive. Stalled = running for
 * more than River's default RescueStuckJobsAfter (1 h): one running job's attempted_at is
 * backdated by the test, the only state not produced by River. Parity with River's own
 * JobList counts printed by the Go program; every query type as a SELECT-only role; EXPLAIN
 * of the overview on 100k jobs.
 */
import { createTestDb, lastHour, pgSource, planNodes, readEveryQueryType, roleDatasource, TestDb } from './postgres/db';
import { runRiverFixture, type RiverView } from './postgres/river/fixture';
import { River } from '../../pkg/kinds/postgres/systems/river/river';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES } from '../../pkg/model/query';

const SCHEMA = 'river_fixture';
let db: TestDb;
let source: PostgresSource;
let river: RiverView;
const id = (name: string) => String(river.ids[name]);

beforeAll(async () => {
  db = await createTestDb();
  river = runRiverFixture(db.url, SCHEMA);
  await db.admin.query(`UPDATE ${SCHEMA}.river_job SET attempted_at = now() - interval '2 hours' WHERE id = $1`, [
    river.ids.render2,
  ]);
  source = pgSource(db);
}, 400_000);

afterAll(async () => {
  await source?.close();
  await db?.drop();
});

const values = (stats: any[], queue: string) => stats.find((s) => s.queue === queue)!.values;

it('detects River from its own migrations and lists its queues', async () => {
  expect(river.migrated).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(await source.listQueues()).toEqual([
    { system: 'river', queue: 'default' },
    { system: 'river', queue: 'payments' },
    { system: 'river', queue: 'reports' },
  ]);
  expect((await source.checkHealth()).systems).toEqual({ river: 3 });
});

it("counts every state in agreement with River's JobList API", async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  expect(values(r.stats, 'default')).toMatchObject({
    wait: 0,
    delayed: 1,
    active: 2,
    stalled: 1,
    completed: 2,
    failed: 0,
    retries: 0,
    queue_paused: 0,
  });
  expect(values(r.stats, 'payments')).toMatchObject({
    wait: 0,
    delayed: 1,
    retries: 1,
    active: 0,
    failed: 2,
    dead: 2,
    failed_in_range: 2,
    completed: 0,
  });
  const reports = values(r.stats, 'reports');
  expect(reports).toMatchObject({ wait: 2, delayed: 1, queue_paused: 1, waiting_children: 1 });
  expect(reports.oldest_wait_seconds).toBeGreaterThanOrEqual(0);
  expect(reports.oldest_wait_seconds).toBeLessThan(300);
  // River's own numbers for the same rows (JobList per queue and state).
  for (const [queue, c] of Object.entries(river.counts)) {
    const v = values(r.stats, queue);
    expect([queue, v.wait, v.delayed, v.retries, v.active, v.failed, v.completed, v.waiting_children]).toEqual([
      queue,
      c.available,
      c.scheduled + c.retryable,
      c.retryable,
      c.running,
      c.discarded,
      c.completed,
      c.pending,
    ]);
  }
  expect(river.counts.payments.cancelled).toBe(1); // cancelled is neither failed nor retried
  const old = await source.read(
    { refId: 'A', queryType: 'overview', queues: ['payments', 'default'] },
    { from: 0, to: 1000, now: Date.now(), intervalMs: 1000 }
  );
  if (old.type !== 'overview') {
    throw new Error(old.type);
  }
  expect(values(old.stats, 'payments')).toMatchObject({ failed: 2, failed_in_range: 0 });
  expect(values(old.stats, 'default')).toMatchObject({ completed: 0 });
});

it("groups the last attempt errors and lists jobs per state with River's own error record", async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
    ['payments', 'payment <n> declined by bank', 2],
    ['payments', 'card for payment <n> expired', 1],
  ]);
  const list = async (state: (typeof JOB_STATES)[number], queues?: string[], search?: string) => {
    const r = await source.read({ refId: 'A', queryType: 'jobs', state, queues, search }, lastHour());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    return r.rows;
  };
  const failed = await list('failed');
  expect(failed.map((r) => r.id).sort()).toEqual([id('boom1'), id('boom2')].sort());
  const boom1 = failed.find((r) => r.id === id('boom1'))!;
  expect(boom1).toMatchObject({
    queue: 'payments',
    name: 'charge',
    state: 'discarded',
    attempts: 1,
    error: river.boom1Errors[0].error,
  });
  expect(boom1.finishedAt).toBe(new Date(river.boom1FinalizedAt).getTime());
  expect(boom1.payload).toMatchObject({ kind: 'json', preview: '{"amount": 101}', truncated: false });
  expect((await list('dead')).length).toBe(2);
  expect((await list('retry', undefined, 'EXPIRED')).map((r) => [r.id, r.error])).toEqual([
    [id('retry'), 'card for payment 303 expired'],
  ]);
  expect((await list('delayed', ['default'])).map((r) => r.id)).toEqual([id('snoozed')]);
  expect((await list('delayed', ['reports'])).map((r) => r.id)).toEqual([id('later')]);
  const active = await list('active');
  expect(active.map((r) => [r.id, r.traceId]).sort()).toEqual(
    [
      [id('render1'), '4bf92f3577b34da6a3ce929d0e0e4736'],
      [id('render2'), undefined],
    ].sort()
  );
  expect((await list('stalled')).map((r) => [r.id, r.state])).toEqual([[id('render2'), 'stalled']]);
  const waiting = await list('waiting', ['reports']);
  expect(waiting.map((r) => r.id).sort()).toEqual([id('report1'), id('big')].sort());
  const big = waiting.find((r) => r.id === id('big'))!;
  expect(big.payload).toMatchObject({ truncated: true, bytes: 2 * 1024 * 1024 + '{"n": 0, "big": ""}'.length });
  expect(big.payload!.preview.length).toBeLessThanOrEqual(4096);
  expect((await list('completed')).map((r) => r.id).sort()).toEqual([id('email1'), id('email2')].sort());
});

it('draws completed and discarded per interval from finalized_at, and shows the client by its jobs and leader lease', async () => {
  const r = await source.read({ refId: 'A', queryType: 'timeseries' }, lastHour());
  if (r.type !== 'timeseries') {
    throw new Error(r.type);
  }
  const total = (queue: string, metric: string) =>
    r.series.find((s) => s.labels.queue === queue && s.metric === metric)!.values.reduce((a, b) => a + b, 0);
  expect([total('default', 'completed'), total('payments', 'failed'), total('payments', 'completed')]).toEqual([
    2, 2, 0,
  ]);
  const w = await source.read({ refId: 'A', queryType: 'workers' }, lastHour());
  if (w.type !== 'workers') {
    throw new Error(w.type);
  }
  expect(w.rows.map((x) => [x.name, x.busy, x.queues])).toEqual([[river.clientId, 2, ['default']]]);
  expect(w.rows[0].startedAt).toBeGreaterThan(Date.now() - 300_000); // elected_at of river_leader
});

it('answers every query type as a role that may only SELECT', async () => {
  const ro = await db.readOnlyRole([SCHEMA]);
  const url = new URL(db.url);
  url.username = ro.user;
  const roSource = pgSource(db, { url: url.toString() }, { password: ro.password });
  try {
    expect((await roSource.checkHealth()).systems).toEqual({ river: 3 });
    await readEveryQueryType(roSource, 'a');
    const r = await roSource.read({ refId: 'A', queryType: 'overview', queues: ['payments'] }, lastHour());
    expect(r.type === 'overview' && r.stats[0].values.failed).toBe(2);
  } finally {
    await roSource.close();
  }
  const { Client } = await import('pg');
  const c = new Client({ connectionString: url.toString(), password: ro.password });
  await c.connect();
  await expect(c.query(`DELETE FROM ${SCHEMA}.river_job`)).rejects.toMatchObject({ code: '42501' });
  await c.end();
});

it("reads the backlog of a 100k-job queue through River's fetch index and finished jobs through its finalized_at index (EXPLAIN)", async () => {
  // Rows shaped as River's completer leaves them (state completed, finalized_at set).
  await db.admin
    .query(`INSERT INTO ${SCHEMA}.river_job (state, attempt, max_attempts, attempted_at, finalized_at, scheduled_at, args, kind, queue, attempted_by)
    SELECT 'completed', 1, 25, now() - interval '2 days', now() - interval '2 days' + i * interval '1 ms', now() - interval '2 days', jsonb_build_object('i', i), 'bulk_job', 'bulk', '{c1}'
    FROM generate_series(1, 100000) i`);
  await db.admin.query(
    `INSERT INTO ${SCHEMA}.river_job (state, max_attempts, args, kind, queue) SELECT 'available', 25, '{}', 'bulk_job', 'bulk' FROM generate_series(1, 5)`
  );
  await db.admin.query(`ANALYZE ${SCHEMA}.river_job`);
  const now = Date.now();
  const nodes = await planNodes(db.admin, new River(SCHEMA).overviewSql(), [
    ['bulk'],
    new Date(now - 3600_000),
    new Date(now),
  ]);
  const onJobs = nodes.filter((n) => n['Relation Name'] === 'river_job');
  expect(onJobs.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  expect(onJobs.map((n) => n['Index Name']).sort()).toEqual([
    'river_job_prioritized_fetching_index',
    'river_job_state_and_finalized_at_index',
  ]);
  const r = await source.read({ refId: 'A', queryType: 'overview', queues: ['bulk'] }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  expect(r.stats[0].values).toMatchObject({ wait: 5, completed: 0 });
}, 120_000);

it("answers through the packaged executable as Grafana runs it, with River's own counts", async () => {
  const { startPlugin } = await import('../harness/plugin-process');
  const { GrafanaClient } = await import('../harness/grpc-client');
  const { decodeFrame, readNumeric } = await import('../harness/grafana-frames');
  const ro = await db.readOnlyRole([SCHEMA]);
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    const ds = roleDatasource(db, ro, `river-${db.name}`, { schemas: SCHEMA });
    const health = await grafana.checkHealth(ds);
    expect([health.status, health.message]).toEqual([1, expect.stringMatching(/Found 4 river queues\.$/)]);
    const responses = await grafana.queryData(ds, [
      { refId: 'A', json: { queryType: 'overview', system: 'river', queues: ['payments', 'reports'] } },
    ]);
    expect(responses.A.status).toBe(200);
    const values = readNumeric(responses.A.frames.map(decodeFrame));
    const get = (queue: string, metric: string) =>
      values.find((v) => v.labels.queue === queue && v.labels.system === 'river' && v.metric === metric)?.value;
    expect([
      get('payments', 'failed'),
      get('payments', 'retries'),
      get('reports', 'wait'),
      get('reports', 'queue_paused'),
    ]).toEqual([river.counts.payments.discarded, river.counts.payments.retryable, river.counts.reports.available, 1]);
  } finally {
    grafana.close();
    plugin.kill();
  }
}, 60_000);

it('counts the oldest wait from when a job became runnable, not from a ScheduledAt in the past', async () => {
  // The row River's Insert writes for InsertOpts{ScheduledAt: three hours back}: available at once,
  // scheduled_at kept, created_at now (riverdriver JobInsertFastMany).
  const r = await db.admin.query(
    `INSERT INTO ${SCHEMA}.river_job (args, kind, max_attempts, priority, queue, state, scheduled_at, metadata, tags)
     VALUES ('{}', 'backfill', 25, 1, 'backfill', 'available', now() - interval '3 hours', '{}', '{}') RETURNING id`
  );
  try {
    const o = await source.read({ refId: 'A', queryType: 'overview', queues: ['backfill'] }, lastHour());
    if (o.type !== 'overview') {
      throw new Error(o.type);
    }
    expect(values(o.stats, 'backfill')).toMatchObject({ wait: 1 });
    expect(values(o.stats, 'backfill').oldest_wait_seconds).toBeLessThan(60);
  } finally {
    await db.admin.query(`DELETE FROM ${SCHEMA}.river_job WHERE id = $1`, [r.rows[0].id]);
  }
});
