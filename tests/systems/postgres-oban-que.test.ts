/**
 * The `postgres` kind on Oban and Que state. Neither library runs here (no Elixir / Ruby
 * packages), so the tables come from their migrations (tests/systems/postgres/oban/schema.sql:
 * Oban v01–v14; que/schema.sql: Que 1–7) and every row is written by the statements the
 * libraries themselves run, cited at each helper:
 *  - Oban lib/oban/engines/basic.ex (insert, fetch_jobs, complete_job, error_job,
 *    discard_job, snooze_job, cancel_job), lib/oban/job.ex format_attempt, lib/oban/peers/database.ex;
 *    a job inserted `suspended` (Job.states/0: "held and won't be processed until they are
 *    resumed"; Oban's own engine_test inserts with state: "suspended"; Oban Pro workflows,
 *    closed source, do so for jobs waiting on upstream jobs), and an enum before v14 without it;
 *  - Que lib/que/job.rb (insert_job), job_methods.rb (set_error, expire_job, finish_job),
 *    poller.rb (pg_try_advisory_lock), locker.rb (register_locker).
 * Expected numbers are stated literally from the rows inserted. Own database per file;
 * every query type as a SELECT-only role; EXPLAIN on 100k jobs.
 */
import { readFileSync } from 'fs';
import { join } from 'path';
import { Client } from 'pg';
import { createTestDb, lastHour, pgSource, planNodes, readEveryQueryType, TestDb } from './postgres/db';
import { Oban } from '../../pkg/kinds/postgres/systems/oban/oban';
import { Que } from '../../pkg/kinds/postgres/systems/que/que';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES } from '../../pkg/model/query';

const OBAN = 'oban_fixture';
const NODE = 'web-1@10.0.0.7';
let db: TestDb;
let source: PostgresSource;
let locker: Client;
const ids: Record<string, string> = {};

/** Oban's Exception.format/3 text for a raised RuntimeError (job.ex format_attempt). */
const obanError = (message: string) =>
  `** (RuntimeError) ${message}\n    (my_app 0.1.0) lib/my_app/workers/charge.ex:9: MyApp.Workers.Charge.perform/1\n    (oban 2.23.0) lib/oban/queue/executor.ex:145: Oban.Queue.Executor.perform/1`;

// --- Oban, as basic.ex writes -------------------------------------------------------------
async function obanInsert(
  name: string,
  queue: string,
  worker: string,
  args: object,
  opts: { maxAttempts?: number; scheduledIn?: number; meta?: object; state?: 'suspended' } = {}
) {
  // Job.new: state "scheduled" when scheduled_in/at is given, else "available" (or the state given).
  const r = await db.admin.query(
    `INSERT INTO ${OBAN}.oban_jobs (state, queue, worker, args, meta, max_attempts, scheduled_at, tags)
     VALUES ($1, $2, $3, $4, $5, $6, timezone('UTC', now()) + $7 * interval '1 second', '{}') RETURNING id::text`,
    [
      opts.state ?? (opts.scheduledIn ? 'scheduled' : 'available'),
      queue,
      worker,
      args,
      opts.meta ?? {},
      opts.maxAttempts ?? 20,
      opts.scheduledIn ?? 0,
    ]
  );
  ids[name] = r.rows[0].id;
}
/** fetch_jobs: state executing, attempted_at, attempted_by [node, producer uuid], attempt + 1. */
const obanFetch = (name: string) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'executing', attempted_at = timezone('UTC', now()), attempted_by = ARRAY[$2, 'a0ee6f07-7c9b-4f0e-8a1b-6b5b0f4c7a11'], attempt = attempt + 1 WHERE id = $1`,
    [ids[name], NODE]
  );
const obanComplete = (name: string) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'completed', completed_at = timezone('UTC', now()) WHERE id = $1`,
    [ids[name]]
  );
const attempt = (message: string) =>
  `jsonb_build_object('attempt', attempt, 'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), 'error', ${`'${message.replace(/'/g, "''")}'`}::text)`;
const obanErrorJob = (name: string, message: string, seconds: number) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'retryable', scheduled_at = timezone('UTC', now()) + $2 * interval '1 second', errors = errors || ARRAY[${attempt(obanError(message))}] WHERE id = $1`,
    [ids[name], seconds]
  );
const obanDiscard = (name: string, message: string) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'discarded', discarded_at = timezone('UTC', now()), errors = errors || ARRAY[${attempt(obanError(message))}] WHERE id = $1`,
    [ids[name]]
  );
const obanSnooze = (name: string, seconds: number) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'scheduled', scheduled_at = timezone('UTC', now()) + $2 * interval '1 second', meta = meta || '{"snoozed": 1}', attempt = attempt - 1 WHERE id = $1`,
    [ids[name], seconds]
  );
const obanCancel = (name: string) =>
  db.admin.query(
    `UPDATE ${OBAN}.oban_jobs SET state = 'cancelled', cancelled_at = timezone('UTC', now()) WHERE id = $1`,
    [ids[name]]
  );

// --- Que, as job.rb / job_methods.rb write ------------------------------------------------
async function queInsert(name: string, queue: string, jobClass: string, args: unknown[], runIn = 0, data: object = {}) {
  const r = await db.admin.query(
    `INSERT INTO public.que_jobs (queue, priority, run_at, job_class, args, kwargs, data, job_schema_version)
     VALUES ($1, 100, now() + $2 * interval '1 second', $3, $4, '{}', $5, 2) RETURNING id::text`,
    [queue, runIn, jobClass, JSON.stringify(args), data]
  );
  ids[name] = r.rows[0].id;
}
/** set_error: retry_in(error_count^4 + 3) with "Class: message" and the backtrace. */
const queSetError = (name: string, message: string, errorCount: number) =>
  db.admin.query(
    `UPDATE public.que_jobs SET error_count = error_count + 1, run_at = now() + $1::float * '1 second'::interval,
       last_error_message = left($2::text, 500), last_error_backtrace = left($3::text, 10000) WHERE id = $4::bigint`,
    [
      errorCount ** 4 + 3,
      message,
      `/app/jobs/charge_job.rb:7:in 'run'\n/gems/que-2.4.1/lib/que/job_methods.rb:48:in '_run'`,
      ids[name],
    ]
  );
const queExpire = (name: string) =>
  db.admin.query(`UPDATE public.que_jobs SET error_count = error_count + 1, expired_at = now() WHERE id = $1::bigint`, [
    ids[name],
  ]);
const queFinish = (name: string) =>
  db.admin.query(`UPDATE public.que_jobs SET finished_at = now() WHERE id = $1::bigint`, [ids[name]]);

beforeAll(async () => {
  db = await createTestDb();
  const sqlFile = (f: string) => readFileSync(join(__dirname, 'postgres', f), 'utf8');
  await db.admin.query(sqlFile('oban/schema.sql').replace(/:schema/g, OBAN));
  await db.admin.query(sqlFile('que/schema.sql'));

  // Oban mailers: 2 completed, 1 executing, 1 executing for 2 h (Lifeline would rescue it),
  // 3 available (one 2 MB), 1 scheduled, 1 snoozed, 1 suspended (held until resumed).
  for (const n of ['m1', 'm2']) {
    await obanInsert(n, 'mailers', 'MyApp.Workers.Mailer', { to: `${n}@example.com` });
    await obanFetch(n);
    await obanComplete(n);
  }
  await obanInsert(
    'run',
    'mailers',
    'MyApp.Workers.Mailer',
    { to: 'run@example.com' },
    { meta: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } }
  );
  await obanFetch('run');
  await obanInsert('stuck', 'mailers', 'MyApp.Workers.Mailer', { to: 'stuck@example.com' });
  await obanFetch('stuck');
  await db.admin.query(`UPDATE ${OBAN}.oban_jobs SET attempted_at = attempted_at - interval '2 hours' WHERE id = $1`, [
    ids.stuck,
  ]); // simulated: node died 2 h ago
  await obanInsert('w1', 'mailers', 'MyApp.Workers.Mailer', { to: 'w1@example.com' });
  await obanInsert('w2', 'mailers', 'MyApp.Workers.Mailer', { to: 'w2@example.com' });
  await obanInsert('big', 'mailers', 'MyApp.Workers.Mailer', { big: 'z'.repeat(2 * 1024 * 1024) });
  await obanInsert('later', 'mailers', 'MyApp.Workers.Mailer', { to: 'later@example.com' }, { scheduledIn: 3600 });
  await obanInsert('snoozed', 'mailers', 'MyApp.Workers.Mailer', { to: 'snooze@example.com' });
  await obanFetch('snoozed');
  await obanSnooze('snoozed', 600);
  await obanInsert('held', 'mailers', 'MyApp.Workers.Mailer', { to: 'held@example.com' }, { state: 'suspended' });
  // Oban payments: 2 discarded (max_attempts 1), 1 retryable (attempt 1 of 5), 1 cancelled.
  for (const [n, amount] of [
    ['p1', 101],
    ['p2', 202],
  ] as const) {
    await obanInsert(n, 'payments', 'MyApp.Workers.Charge', { amount }, { maxAttempts: 1 });
    await obanFetch(n);
    await obanDiscard(n, `payment ${amount} declined by bank`);
  }
  await obanInsert('p3', 'payments', 'MyApp.Workers.Charge', { amount: 303, card: 'expired' }, { maxAttempts: 5 });
  await obanFetch('p3');
  await obanErrorJob('p3', 'card for payment 303 expired', 16);
  await obanInsert('p4', 'payments', 'MyApp.Workers.Charge', { amount: 404 }, { maxAttempts: 5 });
  await obanCancel('p4');
  await db.admin.query(
    `INSERT INTO ${OBAN}.oban_peers (name, node, started_at, expires_at) VALUES ('Oban', $1, timezone('UTC', now()) - interval '5 minutes', timezone('UTC', now()) + interval '30 seconds')`,
    [NODE]
  );

  // Que: default queue 2 ready, 1 scheduled, 1 finished, 1 held by a live locker;
  // billing: 2 expired after failing, 1 retrying (error_count 2).
  await queInsert('q1', 'default', 'SendReceipt', [1]);
  await queInsert('q2', 'default', 'SendReceipt', [2], 0, {
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });
  await queInsert('qlater', 'default', 'SendReceipt', [3], 3600);
  await queInsert('qdone', 'default', 'SendReceipt', [4]);
  await queFinish('qdone');
  await queInsert('qheld', 'default', 'SendReceipt', [5]);
  for (const [n, amount] of [
    ['b1', 101],
    ['b2', 202],
  ] as const) {
    await queInsert(n, 'billing', 'ChargeJob', [amount]);
    await queSetError(n, `Billing::Declined: payment ${amount} declined by bank`, 1);
    await queExpire(n);
  }
  await queInsert('b3', 'billing', 'ChargeJob', [303]);
  await queSetError('b3', 'Billing::CardExpired: card for payment 303 expired', 1);
  await queSetError('b3', 'Billing::CardExpired: card for payment 303 expired', 2);
  // A locker (its own connection, as locker.rb): registers, then takes the job's advisory lock.
  locker = new Client({ connectionString: db.url });
  await locker.connect();
  await locker.query(
    `INSERT INTO public.que_lockers (pid, worker_count, worker_priorities, ruby_pid, ruby_hostname, listening, queues, job_schema_version)
    VALUES (pg_backend_pid(), $1::integer, $2::integer[], $3::integer, $4::text, $5::boolean, $6::text[], $7::integer)`,
    [6, [10, 30, 50, null, null, null], 4242, 'worker-a', true, ['default', 'billing'], 2]
  );
  const taken = await locker.query(`SELECT pg_try_advisory_lock($1::bigint) AS taken`, [ids.qheld]);
  expect(taken.rows[0].taken).toBe(true);
  source = pgSource(db);
}, 60_000);

afterAll(async () => {
  await locker?.end().catch(() => undefined);
  await source?.close();
  await db?.drop();
});

const values = (stats: any[], system: string, queue: string) =>
  stats.find((s) => s.system === system && s.queue === queue)!.values;
const list = async (system: 'oban' | 'que', state: (typeof JOB_STATES)[number], queues?: string[], search?: string) => {
  const r = await source.read({ refId: 'A', queryType: 'jobs', system, state, queues, search }, lastHour());
  if (r.type !== 'jobs') {
    throw new Error(r.type);
  }
  return r.rows;
};

it('detects Oban in its prefix schema and Que in public, with their queues', async () => {
  expect((await source.listQueues()).map((q) => `${q.system}/${q.queue}`)).toEqual([
    'oban/mailers',
    'oban/payments',
    'que/billing',
    'que/default',
  ]);
  expect((await source.checkHealth()).systems).toEqual({ oban: 2, que: 2 });
});

it('Oban: counts each state as the rows say, times read as UTC', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview', system: 'oban' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const mailers = values(r.stats, 'oban', 'mailers');
  expect(mailers).toMatchObject({
    wait: 3,
    delayed: 2,
    waiting_children: 1,
    active: 2,
    stalled: 1,
    completed: 2,
    failed: 0,
    retries: 0,
  });
  expect(r.notices.map((n) => n.text)).toContain(
    'Oban in schema "oban_fixture": waiting_children counts suspended jobs (held until resumed, e.g. by Oban Pro workflows until their upstream jobs finish)'
  );
  expect(mailers.oldest_wait_seconds).toBeGreaterThanOrEqual(0);
  expect(mailers.oldest_wait_seconds).toBeLessThan(120); // UTC handled: not off by the zone offset
  expect(values(r.stats, 'oban', 'payments')).toMatchObject({
    wait: 0,
    delayed: 1,
    waiting_children: 0,
    retries: 1,
    active: 0,
    failed: 2,
    dead: 2,
    failed_in_range: 2,
    completed: 0,
  });
  const old = await source.read(
    { refId: 'A', queryType: 'overview', system: 'oban' },
    { from: 0, to: 1000, now: Date.now(), intervalMs: 1000 }
  );
  if (old.type !== 'overview') {
    throw new Error(old.type);
  }
  expect(values(old.stats, 'oban', 'payments')).toMatchObject({ failed: 2, failed_in_range: 0 });
  expect(values(old.stats, 'oban', 'mailers')).toMatchObject({ completed: 0 });
});

it('Oban: groups errors by exception class and message, lists jobs per state', async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures', system: 'oban' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
    ['payments', 'RuntimeError: payment <n> declined by bank', 2],
    ['payments', 'RuntimeError: card for payment <n> expired', 1],
  ]);
  const failed = await list('oban', 'failed');
  expect(failed.map((r) => r.id).sort()).toEqual([ids.p1, ids.p2].sort());
  const p1 = failed.find((r) => r.id === ids.p1)!;
  expect(p1).toMatchObject({
    name: 'MyApp.Workers.Charge',
    state: 'discarded',
    attempts: 1,
    error: 'RuntimeError: payment 101 declined by bank',
  });
  expect(p1.stacktrace).toMatch(/^\*\* \(RuntimeError\) payment 101 declined by bank\n {4}\(my_app/);
  expect(Math.abs(p1.finishedAt! - Date.now())).toBeLessThan(60_000);
  expect((await list('oban', 'retry', undefined, 'expired')).map((r) => r.id)).toEqual([ids.p3]);
  // The suspended job is listed with the delayed ones (its scheduled_at is its insertion), as itself.
  expect((await list('oban', 'delayed', ['mailers'])).map((r) => [r.id, r.state])).toEqual([
    [ids.held, 'suspended'],
    [ids.snoozed, 'scheduled'],
    [ids.later, 'scheduled'],
  ]);
  // active holds every executing job, the stalled one included (newest attempt first).
  expect((await list('oban', 'active')).map((r) => [r.id, r.traceId]).sort()).toEqual(
    [
      [ids.run, '4bf92f3577b34da6a3ce929d0e0e4736'],
      [ids.stuck, undefined],
    ].sort()
  );
  expect((await list('oban', 'stalled')).map((r) => [r.id, r.state])).toEqual([[ids.stuck, 'stalled']]);
  const waiting = await list('oban', 'waiting');
  expect(waiting.map((r) => r.id).sort()).toEqual([ids.w1, ids.w2, ids.big].sort());
  expect(waiting.find((r) => r.id === ids.big)!.payload).toMatchObject({
    truncated: true,
    bytes: 2 * 1024 * 1024 + '{"big": ""}'.length,
  });
  expect((await list('oban', 'completed')).map((r) => r.id).sort()).toEqual([ids.m1, ids.m2].sort());
  const ts = await source.read({ refId: 'A', queryType: 'timeseries', system: 'oban' }, lastHour());
  if (ts.type !== 'timeseries') {
    throw new Error(ts.type);
  }
  const total = (queue: string, metric: string) =>
    ts.series.find((s) => s.labels.queue === queue && s.metric === metric)!.values.reduce((a, b) => a + b, 0);
  expect([total('mailers', 'completed'), total('payments', 'failed'), total('payments', 'completed')]).toEqual([
    2, 2, 0,
  ]);
  const w = await source.read({ refId: 'A', queryType: 'workers', system: 'oban' }, lastHour());
  if (w.type !== 'workers') {
    throw new Error(w.type);
  }
  expect(w.rows.map((x) => [x.name, x.busy, x.queues, x.alive])).toEqual([[NODE, 2, ['mailers'], true]]);
});

it('Que: counts ready, scheduled, locked, retrying and expired jobs', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview', system: 'que' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const def = values(r.stats, 'que', 'default');
  expect(def).toMatchObject({ wait: 2, delayed: 1, active: 1, stalled: 0, completed: 1, failed: 0, retries: 0 });
  expect(def.oldest_wait_seconds).toBeLessThan(120);
  expect(values(r.stats, 'que', 'billing')).toMatchObject({
    wait: 0,
    delayed: 1,
    retries: 1,
    failed: 2,
    dead: 2,
    failed_in_range: 2,
    completed: 0,
  });
});

it('Que: groups last_error_message by class, lists jobs, shows the locker with its held job', async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures', system: 'que' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
    ['billing', 'Billing::Declined: payment <n> declined by bank', 2],
    ['billing', 'Billing::CardExpired: card for payment <n> expired', 1],
  ]);
  const failed = await list('que', 'dead');
  expect(failed.map((r) => [r.id, r.state, r.attempts]).sort()).toEqual(
    [
      [ids.b1, 'expired', 2],
      [ids.b2, 'expired', 2],
    ].sort()
  );
  expect(failed[0].stacktrace).toMatch(/charge_job\.rb:7/);
  expect((await list('que', 'retry')).map((r) => [r.id, r.error])).toEqual([
    [ids.b3, 'Billing::CardExpired: card for payment 303 expired'],
  ]);
  expect((await list('que', 'waiting')).map((r) => [r.id, r.traceId])).toEqual([
    [ids.q1, undefined],
    [ids.q2, '0af7651916cd43dd8448eb211c80319c'],
  ]);
  expect((await list('que', 'active')).map((r) => r.id)).toEqual([ids.qheld]);
  expect((await list('que', 'delayed', ['default'])).map((r) => r.id)).toEqual([ids.qlater]);
  expect((await list('que', 'completed')).map((r) => r.id)).toEqual([ids.qdone]);
  expect(await list('que', 'stalled')).toEqual([]);
  const w = await source.read({ refId: 'A', queryType: 'workers', system: 'que' }, lastHour());
  if (w.type !== 'workers') {
    throw new Error(w.type);
  }
  expect(w.rows).toEqual([
    expect.objectContaining({
      name: 'worker-a:4242',
      host: 'worker-a',
      pid: 4242,
      busy: 1,
      concurrency: 6,
      alive: true,
      queues: ['default', 'billing'],
    }),
  ]);
});

it('answers every query type as a role that may only SELECT', async () => {
  const ro = await db.readOnlyRole([OBAN, 'public']);
  const url = new URL(db.url);
  url.username = ro.user;
  const roSource = pgSource(db, { url: url.toString() }, { password: ro.password });
  try {
    expect((await roSource.checkHealth()).systems).toEqual({ oban: 2, que: 2 });
    await readEveryQueryType(roSource, 'a');
    const r = await roSource.read({ refId: 'A', queryType: 'overview' }, lastHour());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    expect([values(r.stats, 'oban', 'payments').failed, values(r.stats, 'que', 'default').active]).toEqual([2, 1]);
  } finally {
    await roSource.close();
  }
  const c = new Client({ connectionString: url.toString(), password: ro.password });
  await c.connect();
  await expect(c.query(`DELETE FROM ${OBAN}.oban_jobs`)).rejects.toMatchObject({ code: '42501' });
  await expect(c.query(`DELETE FROM public.que_jobs`)).rejects.toMatchObject({ code: '42501' });
  await c.end();
});

it("reads the ready part through Oban's and Que's own indexes on 100k jobs (EXPLAIN)", async () => {
  await db.admin
    .query(`INSERT INTO ${OBAN}.oban_jobs (state, queue, worker, args, attempt, attempted_at, completed_at, inserted_at, scheduled_at)
    SELECT 'completed', 'bulk', 'MyApp.Bulk', jsonb_build_object('i', i), 1, timezone('UTC', now()) - interval '2 days', timezone('UTC', now()) - interval '2 days', timezone('UTC', now()) - interval '2 days', timezone('UTC', now()) - interval '2 days'
    FROM generate_series(1, 100000) i`);
  await db.admin.query(
    `INSERT INTO ${OBAN}.oban_jobs (queue, worker, args) SELECT 'bulk', 'MyApp.Bulk', '{}' FROM generate_series(1, 5)`
  );
  await db.admin.query(`INSERT INTO public.que_jobs (queue, job_class, args, job_schema_version, finished_at, run_at)
    SELECT 'bulk', 'BulkJob', jsonb_build_array(i), 2, now() - interval '2 days', now() - interval '2 days' FROM generate_series(1, 100000) i`);
  await db.admin.query(
    `INSERT INTO public.que_jobs (queue, job_class, job_schema_version) SELECT 'bulk', 'BulkJob', 2 FROM generate_series(1, 5)`
  );
  await db.admin.query(`ANALYZE ${OBAN}.oban_jobs; ANALYZE public.que_jobs`);
  const now = Date.now();
  const nodesOf = (sql: string) => planNodes(db.admin, sql, [['bulk'], new Date(now - 3600_000), new Date(now)]);
  // A bitmap scan's index node names the index only; its heap node names the table.
  const on = (table: string) => (n: any) =>
    n['Relation Name'] === table || String(n['Index Name'] ?? '').startsWith(table.replace(/s$/, ''));
  const oban = (await nodesOf(new Oban(OBAN).overviewSql())).filter(on('oban_jobs'));
  // The live states and discarded-in-range use Oban's indexes; the only sequential read
  // allowed is the completed count (no index has completed_at; the Pruner bounds those rows).
  expect(
    oban
      .filter((n) => n['Node Type'] === 'Seq Scan')
      .every((n) => /'completed'/.test(n.Filter) && !/available/.test(n.Filter))
  ).toBe(true);
  // The live part reads only the backlog states through an Oban index leading with state
  // (the planner picks the fetch index or the (state, discarded_at) one; both are Oban's).
  const live = oban.find((n) => /available/.test(n['Index Cond'] ?? n['Recheck Cond'] ?? ''))!;
  expect(['oban_jobs_state_queue_priority_scheduled_at_id_index', 'oban_jobs_state_discarded_at_index']).toContain(
    live['Index Name']
  );
  expect(oban.find((n) => /discarded_at >=/.test(n['Index Cond'] ?? ''))!['Index Name']).toBe(
    'oban_jobs_state_discarded_at_index'
  );
  // Que: the pending part uses que_poll_idx; the kept (finished/expired) part has no index
  // in Que's schema, so it is the one sequential read, over rows Que kept.
  const que = (await nodesOf(new Que('public').overviewSql())).filter(
    (n) => n['Relation Name'] === 'que_jobs' || /^que_/.test(n['Index Name'] ?? '')
  );
  expect(que.map((n) => n['Index Name'])).toContain('que_poll_idx');
  expect(que.filter((n) => n['Node Type'] === 'Seq Scan').every((n) => /finished_at IS NOT NULL/.test(n.Filter))).toBe(
    true
  );
  const r = await source.read({ refId: 'A', queryType: 'overview', queues: ['bulk'] }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  expect(r.stats.map((s: any) => [s.system, s.values.wait, s.values.completed])).toEqual([
    ['oban', 5, 0],
    ['que', 5, 0],
  ]);
}, 120_000);

it('Oban: counts the oldest wait from when a job became runnable, not from a scheduled_at in the past', async () => {
  // Job.new with scheduled_at three hours back, staged to available (the Stager keeps scheduled_at).
  const r = await db.admin.query(
    `INSERT INTO ${OBAN}.oban_jobs (state, queue, worker, args, scheduled_at, tags)
     VALUES ('available', 'backfill', 'MyApp.Workers.Backfill', '{}', timezone('UTC', now()) - interval '3 hours', '{}') RETURNING id`
  );
  try {
    const o = await source.read(
      { refId: 'A', queryType: 'overview', system: 'oban', queues: ['backfill'] },
      lastHour()
    );
    if (o.type !== 'overview') {
      throw new Error(o.type);
    }
    expect(values(o.stats, 'oban', 'backfill')).toMatchObject({ wait: 1 });
    expect(values(o.stats, 'oban', 'backfill').oldest_wait_seconds).toBeLessThan(60);
  } finally {
    await db.admin.query(`DELETE FROM ${OBAN}.oban_jobs WHERE id = $1`, [r.rows[0].id]);
  }
});

it('Oban: says the delayed list holds the suspended jobs', async () => {
  const r = await source.read({ refId: 'A', queryType: 'jobs', system: 'oban', state: 'delayed' }, lastHour());
  expect(r.notices.map((n) => n.text)).toContain(
    'Oban in schema "oban_fixture": the delayed list also holds suspended jobs (state suspended: held until resumed, counted in waiting_children, not in delayed)'
  );
});

it('Oban before migration v14 (no suspended in its enum): no waiting_children, a notice, every list still answers', async () => {
  const old = await createTestDb();
  const schema = 'oban_v13';
  const v14 = readFileSync(join(__dirname, 'postgres/oban/schema.sql'), 'utf8');
  // v13's enum: v01's values before v14 added 'suspended' (and the version comment v13 left).
  const v13 = v14
    .replace("'available', 'suspended', 'scheduled'", "'available', 'scheduled'")
    .replace("IS '14'", "IS '13'");
  expect(v13).toMatch(/oban_job_state AS ENUM \(\s*'available', 'scheduled', 'executing'/);
  await old.admin.query(v13.replace(/:schema/g, schema));
  await old.admin.query(
    `INSERT INTO ${schema}.oban_jobs (state, queue, worker, args, scheduled_at, tags)
     VALUES ('available', 'mailers', 'MyApp.Workers.Mailer', '{}', timezone('UTC', now()), '{}'),
            ('scheduled', 'mailers', 'MyApp.Workers.Mailer', '{}', timezone('UTC', now()) + interval '1 hour', '{}')`
  );
  const oldSource = pgSource(old);
  try {
    const r = await oldSource.read({ refId: 'A', queryType: 'overview', system: 'oban' }, lastHour());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    const v = values(r.stats, 'oban', 'mailers');
    expect(v).toMatchObject({ wait: 1, delayed: 1 });
    expect(v.waiting_children).toBeUndefined();
    expect(r.notices.map((n) => n.text)).toContain(
      `Oban in schema "${schema}": its oban_job_state has no suspended state (before migration v14, Oban 2.21), so waiting_children is not reported`
    );
    for (const state of JOB_STATES) {
      const j = await oldSource.read({ refId: 'A', queryType: 'jobs', system: 'oban', state }, lastHour());
      if (j.type !== 'jobs') {
        throw new Error(`${state}: ${j.type}`);
      }
      expect([state, j.rows.length]).toEqual([state, state === 'waiting' || state === 'delayed' ? 1 : 0]);
    }
  } finally {
    await oldSource.close();
    await old.drop();
  }
});
