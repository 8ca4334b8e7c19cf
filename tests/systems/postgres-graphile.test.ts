/**
 * The `postgres` kind on real graphile-worker 0.17 state (own database per file): a real
 * runner completes jobs (deleted), throws until attempts reach max_attempts (failed), throws
 * once with attempts left (retry), holds jobs mid-run (active), and leaves scheduled
 * (run_at in the future) and waiting jobs. Stalled = locked for more than 4 hours
 * (graphile-worker's resetLockedAt.js rule): one held job's locked_at is backdated by the
 * test, the only state the library cannot produce in a test's lifetime. Parity with
 * graphile-worker's own `jobs` view; every query type as a SELECT-only role.
 * Layout: graphile-worker sql/000011.sql+ (`_private_jobs`, `_private_tasks`).
 */
import { Logger, makeWorkerUtils, run, Runner, WorkerUtils } from 'graphile-worker';
import { createTestDb, lastHour, pgSource, readEveryQueryType, TestDb, until } from './postgres/db';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES } from '../../pkg/model/query';

let db: TestDb;
let utils: WorkerUtils;
let runner: Runner;
let source: PostgresSource;
let release: () => void;
const held = new Promise<void>((r) => (release = r));
const ids: Record<string, string> = {};

beforeAll(async () => {
  db = await createTestDb();
  utils = await makeWorkerUtils({ connectionString: db.url });
  await utils.migrate();
  await utils.addJob('send_email', { to: 'a@example.com' });
  await utils.addJob('send_email', { to: 'b@example.com' });
  ids.boom1 = String((await utils.addJob('charge', { amount: 101 }, { maxAttempts: 1 })).id);
  ids.boom2 = String((await utils.addJob('charge', { amount: 202 }, { maxAttempts: 1 })).id);
  ids.retry = String((await utils.addJob('charge', { amount: 303, card: 'expired' }, { maxAttempts: 5 })).id);
  ids.slow1 = String(
    (await utils.addJob('render', { page: 1, traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }))
      .id
  );
  ids.slow2 = String((await utils.addJob('render', { page: 2 })).id);
  const seen = new Set<string>();
  runner = await run({
    connectionString: db.url,
    concurrency: 5,
    noHandleSignals: true,
    pollInterval: 200,
    logger: new Logger(() => () => undefined),
    taskList: {
      send_email: async () => undefined,
      charge: async (payload: any, helpers) => {
        seen.add(helpers.job.id);
        throw new Error(
          payload.card ? `card for payment ${payload.amount} expired` : `payment ${payload.amount} declined by bank`
        );
      },
      render: async (_p, helpers) => {
        seen.add(helpers.job.id);
        await held;
      },
    },
  });
  await until(async () => {
    const r = await db.admin
      .query(`SELECT count(*) FILTER (WHERE attempts >= max_attempts) AS dead, count(*) FILTER (WHERE task_identifier = 'charge' AND attempts = 1 AND locked_at IS NULL) AS failed_once,
      count(*) FILTER (WHERE task_identifier = 'render' AND locked_at IS NOT NULL) AS held, count(*) FILTER (WHERE task_identifier = 'send_email') AS emails FROM graphile_worker.jobs`);
    const x = r.rows[0];
    return Number(x.dead) === 2 && Number(x.failed_once) === 3 && Number(x.held) === 2 && Number(x.emails) === 0;
  }, 'graphile-worker to run the jobs');
  // Waiting and scheduled jobs added after the runner has taken what it will; the runner's
  // task list has no `report`, so it never picks them.
  ids.later = String((await utils.addJob('report', { n: 'later' }, { runAt: new Date(Date.now() + 3600_000) })).id);
  await utils.addJob('report', { n: 1 });
  // Enqueued now with a run_at three hours back: runnable since its creation, not for 3 h.
  ids.backdated = String(
    (await utils.addJob('report', { n: 'backdated' }, { runAt: new Date(Date.now() - 3 * 3600_000) })).id
  );
  ids.big = String((await utils.addJob('report', { big: 'y'.repeat(2 * 1024 * 1024) })).id);
  // Simulated: a worker that died 5 h ago while holding render #2.
  await db.admin.query(
    `UPDATE graphile_worker._private_jobs SET locked_at = now() - interval '5 hours' WHERE id = $1`,
    [ids.slow2]
  );
  source = pgSource(db);
}, 60_000);

afterAll(async () => {
  release?.();
  await source?.close();
  await runner?.stop().catch(() => undefined);
  // stop() resolves before the runner has flushed its batched completions: wait for all of
  // it, or dropping the database kills a connection still in use (an unhandled error).
  await runner?.promise.catch(() => undefined);
  await utils?.release();
  await db?.drop();
});

const values = (stats: any[], queue: string) => stats.find((s) => s.queue === queue)!.values;

it('detects graphile-worker and lists task identifiers as queues', async () => {
  expect((await source.listQueues()).map((q) => `${q.system}/${q.queue}`)).toEqual([
    'graphile-worker/charge',
    'graphile-worker/render',
    'graphile-worker/report',
    'graphile-worker/send_email',
  ]);
  const health = await source.checkHealth();
  expect(health.systems).toEqual({ 'graphile-worker': 4 });
});

it("counts states that agree with graphile-worker's own jobs view", async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const charge = values(r.stats, 'charge');
  // The retrying job waits exp(1) s after its first failure: delayed, then ready.
  expect(charge).toMatchObject({ failed: 2, dead: 2, failed_in_range: 2, retries: 1, active: 0 });
  expect(charge.wait + charge.delayed).toBe(1);
  // active counts every locked job, the stalled one (locked 5 h, its worker gone) included.
  expect(values(r.stats, 'render')).toMatchObject({ active: 2, stalled: 1, wait: 0 });
  expect(values(r.stats, 'report')).toMatchObject({ wait: 3, delayed: 1, failed: 0 });
  expect(values(r.stats, 'send_email')).toMatchObject({ wait: 0, active: 0, failed: 0 });
  expect(values(r.stats, 'send_email').completed).toBeUndefined(); // deleted on success: unknown, not 0
  const own = (
    await db.admin.query(`SELECT task_identifier AS q,
      count(*) FILTER (WHERE attempts >= max_attempts) AS failed,
      count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()) AS wait,
      count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at > now()) AS delayed,
      count(*) FILTER (WHERE locked_at IS NOT NULL) AS locked
    FROM graphile_worker.jobs GROUP BY 1`)
  ).rows;
  for (const o of own) {
    const v = values(r.stats, o.q);
    expect([o.q, v.failed, v.wait, v.delayed, v.active]).toEqual([
      o.q,
      Number(o.failed),
      Number(o.wait),
      Number(o.delayed),
      Number(o.locked),
    ]);
  }
  expect(r.notices.map((n) => n.text).join('\n')).toMatch(/completed not recorded/);
});

it('counts the oldest wait from when a job became runnable: a run_at in the past adds nothing', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview', queues: ['report'] }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  // graphile-worker's own view of the same ready jobs: the oldest since created_at / run_at.
  const [own] = (
    await db.admin.query(`SELECT extract(epoch FROM now() - min(greatest(created_at, run_at))) AS runnable,
      extract(epoch FROM now() - min(run_at)) AS since_run_at
    FROM graphile_worker.jobs WHERE task_identifier = 'report' AND locked_at IS NULL AND run_at <= now()`)
  ).rows;
  expect(Number(own.since_run_at)).toBeGreaterThan(3 * 3600 - 60);
  const oldest = values(r.stats, 'report').oldest_wait_seconds;
  expect(oldest).toBeLessThan(120);
  expect(Math.abs(oldest - Number(own.runnable))).toBeLessThan(5);
});

it('groups last_error and lists failed, retry, active, stalled and waiting jobs', async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
    ['charge', 'payment <n> declined by bank', 2],
    ['charge', 'card for payment <n> expired', 1],
  ]);
  const list = async (state: (typeof JOB_STATES)[number], queues?: string[]) => {
    const r = await source.read({ refId: 'A', queryType: 'jobs', state, queues }, lastHour());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    return r.rows;
  };
  const failed = await list('failed');
  expect(failed.map((r) => r.id).sort()).toEqual([ids.boom1, ids.boom2].sort());
  const one = failed.find((r) => r.id === ids.boom1)!;
  // worker.js stores the error's message as last_error (the stack goes to the log only).
  expect(one).toMatchObject({ attempts: 1, error: 'payment 101 declined by bank' });
  expect(Math.abs(one.finishedAt! - Date.now())).toBeLessThan(120_000);
  expect((await list('retry')).map((r) => r.id)).toEqual([ids.retry]);
  const active = await list('active');
  expect(active.map((r) => [r.id, r.traceId]).sort()).toEqual([
    [ids.slow1, '4bf92f3577b34da6a3ce929d0e0e4736'],
    [ids.slow2, undefined],
  ]);
  expect((await list('stalled')).map((r) => r.id)).toEqual([ids.slow2]);
  expect((await list('delayed', ['report'])).map((r) => r.id)).toEqual([ids.later]);
  const big = (await list('waiting', ['report'])).find((r) => r.id === ids.big)!;
  expect(big.payload).toMatchObject({ truncated: true, bytes: 2 * 1024 * 1024 + '{"big":""}'.length });
  expect(await list('completed')).toEqual([]);
  const workers = await source.read({ refId: 'A', queryType: 'workers' }, lastHour());
  if (workers.type !== 'workers') {
    throw new Error(workers.type);
  }
  expect(workers.rows).toHaveLength(1);
  expect(workers.rows[0]).toMatchObject({ busy: 2, queues: ['render'] });
});

it('answers every query type as a role that may only SELECT (with the read policy its notice asks for)', async () => {
  const ro = await db.readOnlyRole(['graphile_worker']);
  const url = new URL(db.url);
  url.username = ro.user;
  // graphile-worker enables row-level security on its _private tables: without a policy a
  // SELECT-only role sees no rows, and the health check says exactly what to run.
  const blind = pgSource(db, { url: url.toString() }, { password: ro.password });
  const health = await blind.checkHealth();
  await blind.close();
  expect(health.systems).toEqual({ 'graphile-worker': 0 });
  const advice = health.notices.find((n) => /row-level security/.test(n))!;
  expect(advice).toContain(
    'CREATE POLICY jobscope_read ON "graphile_worker"._private_jobs FOR SELECT TO <user> USING (true);'
  );
  for (const statement of advice.match(/CREATE POLICY [^;]+;/g)!) {
    await db.admin.query(statement.replace('<user>', ro.user));
  }
  const roSource = pgSource(db, { url: url.toString(), schemas: 'graphile_worker' }, { password: ro.password });
  try {
    expect((await roSource.checkHealth()).notices.join('\n')).not.toMatch(/row-level security/);
    expect((await roSource.checkHealth()).systems).toEqual({ 'graphile-worker': 4 });
    await readEveryQueryType(roSource, 'e');
    const ts = await roSource.read({ refId: 'A', queryType: 'timeseries', queues: ['charge'] }, lastHour());
    expect(ts.type === 'timeseries' && ts.series.map((s) => [s.metric, s.values.reduce((a, b) => a + b, 0)])).toEqual([
      ['failed', 2],
    ]);
  } finally {
    await roSource.close();
  }
});
