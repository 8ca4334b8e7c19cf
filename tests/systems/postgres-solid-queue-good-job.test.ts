/**
 * The `postgres` kind on Solid Queue 1.x and GoodJob 4.x. No Ruby gem can be installed
 * here, so the tables are the published schemas (fixtures under tests/systems/postgres/
 * solid-queue and good-job, each citing its file and version) and the rows are written by
 * the small generator in tests/systems/postgres/rails.ts (shared with the contract fixtures)
 * exactly as the libraries write them (each step cites the Ruby method it stands for):
 * Active Job's serialized hash, Rails' UTC wall-clock timestamps, Solid Queue's execution
 * tables, GoodJob's job/execution/process rows; below, GoodJob's md5 advisory lock on a
 * process row (held by a second session, as a live GoodJob process does).
 * The database's TimeZone is Asia/Tokyo, so a read that forgot Rails' UTC would be 9 h off.
 * Expected numbers are stated literally from the generated state; every query type runs as
 * a SELECT-only role; EXPLAIN on 100k jobs shows the ready parts use the schemas' indexes;
 * the overview is also read through the packaged executable.
 */
import { Client } from 'pg';
import { createTestDb, lastHour, pgSource, roleDatasource, TestDb } from './postgres/db';
import { GOOD_JOB_DDL, GoodJobWriter, SOLID_QUEUE_DDL, SolidQueueWriter, utc } from './postgres/rails';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES, type JobState } from '../../pkg/model/query';
import { SolidQueue } from '../../pkg/kinds/postgres/systems/solid-queue/solid-queue';
import { GoodJob, queueSpecMatches } from '../../pkg/kinds/postgres/systems/good-job/good-job';
import { startPlugin, type PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE}-00f067aa0ba902b7-01`;

let db: TestDb;
let bulk: TestDb;
let source: PostgresSource;
let lockHolder: Client;
const sq: Record<string, number> = {};
const gj: Record<string, string> = {};

async function seedSolidQueue(w: SolidQueueWriter) {
  const live = await w.register(10);
  const dead = await w.register(600); // heartbeat 10 min ago > process_alive_threshold (5 min)
  // default: 3 ready (oldest 300 s), 2 scheduled (one a retry_on re-enqueue), 1 active,
  // 2 stalled (dead heartbeat; process row gone), 3 failed in the last hour, 4 finished in
  // the last hour + 1 two days ago, 1 blocked.
  sq.readyOld = await w.enqueue('default', 'ReportJob', [{ id: 1 }], { ageSeconds: 300, traceparent: TRACEPARENT });
  sq.readyBig = await w.enqueue('default', 'ReportJob', ['y'.repeat(2 * 1024 * 1024)], { ageSeconds: 60 });
  await w.enqueue('default', 'ReportJob', [{ id: 3 }], { ageSeconds: 10 });
  sq.later = await w.enqueue('default', 'ReportJob', [{ id: 4 }], { scheduledIn: 3600 });
  sq.retry = await w.enqueue('default', 'ChargeJob', [{ amount: 5 }], { scheduledIn: 30, executions: 1 });
  sq.active = await w.enqueue('default', 'RenderJob', [{ page: 1 }]);
  await w.claim(sq.active, live);
  sq.stalled = await w.enqueue('default', 'RenderJob', [{ page: 2 }]);
  await w.claim(sq.stalled, dead);
  sq.orphan = await w.enqueue('default', 'RenderJob', [{ page: 3 }]);
  const gone = await w.register(5);
  await w.claim(sq.orphan, gone);
  await w.db.query(`DELETE FROM solid_queue_processes WHERE id = $1`, [gone]); // deregistered without releasing (SIGKILL)
  for (const [card, cls, msg, ago] of [
    [4242, 'ArgumentError', 'bad card 4242', 600],
    [1111, 'ArgumentError', 'bad card 1111', 300],
    [0, 'Net::ReadTimeout', 'Net::ReadTimeout with #<TCPSocket:(closed)>', 120],
  ] as const) {
    const id = await w.enqueue('default', 'ChargeJob', [{ card }]);
    await w.claim(id, live);
    await w.fail(id, cls, msg, ago);
    sq[`failed${card}`] = id;
  }
  for (const ago of [100, 200, 300, 400]) {
    const id = await w.enqueue('default', 'ReportJob', [{ done: ago }], { ageSeconds: ago + 5 });
    await w.claim(id, live);
    await w.finish(id, ago);
    sq.done = id;
  }
  const old = await w.enqueue('default', 'ReportJob', [{ done: 'old' }], { ageSeconds: 2 * 86400 + 5 });
  await w.claim(old, live);
  await w.finish(old, 2 * 86400);
  await w.enqueue('default', 'SyncJob', [{ account: 7 }], { concurrencyKey: 'SyncJob/7' });
  // mailers: paused, 1 ready, 2 finished.
  await w.enqueue('mailers', 'ActionMailer::MailDeliveryJob', ['UserMailer', 'welcome', 'deliver_now', { args: [1] }]);
  for (const ago of [50, 70]) {
    const id = await w.enqueue(
      'mailers',
      'ActionMailer::MailDeliveryJob',
      ['UserMailer', 'welcome', 'deliver_now', { args: [ago] }],
      { ageSeconds: ago + 1 }
    );
    await w.claim(id, live);
    await w.finish(id, ago);
  }
  await w.pause('mailers');
  // reports: one failure three hours ago (failed, not failed_in_range of the last hour).
  const r = await w.enqueue('reports', 'ExportJob', [{ month: 10 }], { ageSeconds: 3 * 3600 + 5 });
  await w.claim(r, live);
  await w.fail(r, 'ActiveRecord::RecordNotFound', "Couldn't find Export with 'id'=10", 3 * 3600);
}

async function seedGoodJob(w: GoodJobWriter) {
  const a = await w.process({ updatedSecondsAgo: 10, advisory: false }); // refreshed 10 s ago
  const b = await w.process({ updatedSecondsAgo: 600, advisory: true, queues: 'default,critical' }); // advisory-locked: active whatever updated_at
  const c = await w.process({ updatedSecondsAgo: 600, advisory: false }); // expired (> EXPIRED_INTERVAL)
  const d = await w.process({ updatedSecondsAgo: 5, advisory: true, queues: '-critical' }); // advisory type, no lock held: inactive
  gj.b = b;
  // The lock a live advisory GoodJob process holds on its own row (AdvisoryLockable, md5 key).
  await lockHolder.query(
    `SELECT pg_advisory_lock(('x' || substr(md5('good_job_processes-' || $1::text), 1, 16))::bit(64)::bigint)`,
    [b]
  );
  // default: queued 2 (oldest 240 s), scheduled 2 (executions 0 and 1: GoodJob's `scheduled`
  // is executions < 2), retried 1 (executions 2), running: 2 active (a, b), 3 stalled (c, d,
  // unlocked), succeeded 3 in range + 1 two days ago, discarded 2 in range + 1 three days ago.
  gj.queuedOld = await w.enqueue('default', 'ReportJob', [{ id: 1 }], { ageSeconds: 240, traceparent: TRACEPARENT });
  await w.enqueue('default', 'ReportJob', [{ id: 2 }], { ageSeconds: 30 });
  gj.scheduled = await w.enqueue('default', 'ReportJob', [{ id: 3 }], { scheduledIn: 3600 });
  gj.scheduledOnce = await w.enqueue('default', 'ChargeJob', [{ id: 4 }], { scheduledIn: 3600, executions: 1 });
  gj.retried = await w.enqueue('default', 'ChargeJob', [{ amount: 9 }], { executions: 1 });
  await w.start(gj.retried, a, 40);
  await w.end(gj.retried, 35, { cls: 'RuntimeError', message: 'boom', event: 3 }, { inSeconds: 600 });
  await w.db.query(
    `UPDATE good_jobs SET serialized_params = jsonb_set(serialized_params, '{executions}', '2') WHERE id = $1`,
    [gj.retried]
  );
  for (const [key, proc] of [
    ['activeA', a],
    ['activeB', b],
    ['stalledC', c],
    ['stalledD', d],
    ['stalledNull', null],
  ] as const) {
    gj[key] = await w.enqueue('default', 'RenderJob', [{ key }], { ageSeconds: 25 });
    await w.start(gj[key], proc);
  }
  for (const ago of [100, 200, 300]) {
    const id = await w.enqueue('default', 'ReportJob', [{ done: ago }], { ageSeconds: ago + 5 });
    await w.start(id, a, ago + 2);
    await w.end(id, ago);
  }
  const old = await w.enqueue('default', 'ReportJob', [{ done: 'old' }], { ageSeconds: 2 * 86400 + 5 });
  await w.start(old, a, 2 * 86400 + 2);
  await w.end(old, 2 * 86400);
  for (const [card, ago, event] of [
    [4242, 500, 4],
    [1111, 400, 1],
    [9999, 3 * 86400, 1],
  ] as const) {
    const id = await w.enqueue('default', 'ChargeJob', [{ card }], { ageSeconds: ago + 5 });
    await w.start(id, a, ago + 2);
    await w.end(id, ago, { cls: 'ArgumentError', message: `bad card ${card}`, event });
    gj[`discarded${card}`] = id;
  }
  // critical: 1 queued, paused (the `pauses` setting GoodJob reads with enable_pauses).
  await w.enqueue('critical', 'AlertJob', [{ sev: 1 }]);
  await w.pause('critical');
}

beforeAll(async () => {
  [db, bulk] = await Promise.all([createTestDb(), createTestDb()]);
  // Sessions of this database run in Tokyo: Rails' UTC wall-clock columns must still read right.
  await db.admin.query(`ALTER DATABASE ${db.name} SET timezone = 'Asia/Tokyo'`);
  await db.admin.query(SOLID_QUEUE_DDL + GOOD_JOB_DDL);
  lockHolder = new Client({ connectionString: db.url });
  await lockHolder.connect();
  await seedSolidQueue(new SolidQueueWriter(db.admin));
  await seedGoodJob(new GoodJobWriter(db.admin));
  source = pgSource(db);
}, 60_000);

afterAll(async () => {
  await source?.close();
  await lockHolder?.end().catch(() => undefined);
  await db?.drop();
  await bulk?.drop();
});

const values = (stats: any[], system: string, queue: string) =>
  stats.find((s) => s.system === system && s.queue === queue)!.values;

async function list(
  src: PostgresSource,
  system: 'solid-queue' | 'good-job',
  state: JobState,
  extra: { queues?: string[]; search?: string } = {}
) {
  const r = await src.read({ refId: 'A', queryType: 'jobs', system, state, ...extra }, lastHour());
  if (r.type !== 'jobs') {
    throw new Error(r.type);
  }
  return r.rows;
}

it('detects both systems in one schema and lists their queues (Solid Queue: Queue.all; GoodJob: distinct queue_name)', async () => {
  expect((await source.listQueues()).map((q) => `${q.system}/${q.queue}`)).toEqual([
    'solid-queue/default',
    'solid-queue/mailers',
    'solid-queue/reports',
    'good-job/critical',
    'good-job/default',
  ]);
  expect((await source.checkHealth()).systems).toEqual({ 'solid-queue': 3, 'good-job': 2 });
});

it('Solid Queue overview: execution tables, heartbeat threshold, pauses, in UTC', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview', system: 'solid-queue' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const d = values(r.stats, 'solid-queue', 'default');
  expect({ ...d, oldest_wait_seconds: undefined }).toEqual({
    wait: 3,
    delayed: 2,
    retries: 1,
    active: 3,
    stalled: 2,
    completed: 4,
    failed: 3,
    dead: 3,
    failed_in_range: 3,
    queue_paused: 0,
    oldest_wait_seconds: undefined,
  });
  expect(d.oldest_wait_seconds).toBeGreaterThanOrEqual(300);
  expect(d.oldest_wait_seconds).toBeLessThan(330); // 9 h off if Tokyo time leaked in
  expect(values(r.stats, 'solid-queue', 'mailers')).toMatchObject({
    wait: 1,
    delayed: 0,
    active: 0,
    stalled: 0,
    completed: 2,
    failed: 0,
    queue_paused: 1,
  });
  expect(values(r.stats, 'solid-queue', 'reports')).toMatchObject({
    wait: 0,
    failed: 1,
    dead: 1,
    failed_in_range: 0,
    completed: 0,
  });
  // SolidQueue::Queue#size is the ready executions of the queue.
  const size = await db.admin.query(
    `SELECT queue_name, count(*)::int AS n FROM solid_queue_ready_executions GROUP BY 1 ORDER BY 1`
  );
  expect(size.rows).toEqual([
    { queue_name: 'default', n: d.wait },
    { queue_name: 'mailers', n: 1 },
  ]);
  const text = r.notices.map((n) => n.text).join('\n');
  expect(text).toMatch(/1 job\(s\) in "default" blocked by concurrency controls/);
  expect(text).toMatch(/preserve_finished_jobs/);
});

it('GoodJob overview mirrors its scopes (queued, scheduled, retried, running, succeeded, discarded) and Process.active', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview', system: 'good-job' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const d = values(r.stats, 'good-job', 'default');
  expect({ ...d, oldest_wait_seconds: undefined }).toEqual({
    wait: 2,
    delayed: 2,
    retries: 1,
    active: 5,
    stalled: 3,
    completed: 3,
    failed: 3,
    dead: 3,
    failed_in_range: 2,
    queue_paused: 0,
    oldest_wait_seconds: undefined,
  });
  expect(d.oldest_wait_seconds).toBeGreaterThanOrEqual(240);
  expect(d.oldest_wait_seconds).toBeLessThan(270);
  expect(values(r.stats, 'good-job', 'critical')).toMatchObject({ wait: 1, queue_paused: 1, failed: 0, completed: 0 });
  // Without the lock holder's session, process b is no longer active: its job is stalled.
  const other = new Client({ connectionString: db.url });
  await other.connect();
  const seen = await other.query(
    `SELECT count(*)::int AS n FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1
       AND l.objid = substring(('x' || substr(md5('good_job_processes-' || $1::text), 1, 16))::bit(64) from 33 for 32)::bit(32)::int::oid`,
    [gj.b]
  );
  expect(seen.rows[0].n).toBe(1);
  expect((await other.query(`SHOW timezone`)).rows[0].TimeZone).toBe('Asia/Tokyo');
  await other.end();
  // GoodJob's process b dies (its session, and so its advisory lock, is gone): its running
  // job turns stalled at once, although its row was written later than c's.
  await lockHolder.query(`SELECT pg_advisory_unlock_all()`);
  const after = await source.read(
    { refId: 'A', queryType: 'overview', system: 'good-job', queues: ['default'] },
    lastHour()
  );
  if (after.type !== 'overview') {
    throw new Error(after.type);
  }
  expect([
    values(after.stats, 'good-job', 'default').active,
    values(after.stats, 'good-job', 'default').stalled,
  ]).toEqual([5, 4]);
  await lockHolder.query(
    `SELECT pg_advisory_lock(('x' || substr(md5('good_job_processes-' || $1::text), 1, 16))::bit(64)::bigint)`,
    [gj.b]
  );
});

it("groups failures by exception class and normalised message, from each system's error column", async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups.map((g) => [g.system, g.queue, g.reason, g.count])).toEqual([
    ['solid-queue', 'default', 'ArgumentError: bad card <n>', 2],
    ['good-job', 'default', 'ArgumentError: bad card <n>', 2],
    ['solid-queue', 'default', 'Net::ReadTimeout: Net::ReadTimeout with #<TCPSocket:(closed)>', 1],
    ['good-job', 'default', 'RuntimeError: boom', 1],
  ]);
  const sqCard = f.groups.find((g) => g.system === 'solid-queue' && g.count === 2)!;
  expect([sqCard.exampleJobId, sqCard.exampleMessage]).toEqual([String(sq.failed1111), 'bad card 1111']);
});

it('lists Solid Queue jobs per state with Active Job payload, attempts and trace id', async () => {
  const failed = await list(source, 'solid-queue', 'failed', { queues: ['default'] });
  expect(failed.map((r) => r.id)).toEqual([sq.failed0, sq.failed1111, sq.failed4242].map(String));
  expect(failed[2]).toMatchObject({ name: 'ChargeJob', attempts: 1, error: 'ArgumentError: bad card 4242' });
  expect(failed[2].stacktrace).toContain(`charge_job.rb:7:in 'perform'`);
  expect(Math.abs(failed[2].finishedAt! - (Date.now() - 600_000))).toBeLessThan(30_000);
  expect((await list(source, 'solid-queue', 'dead')).length).toBe(4);
  const waiting = await list(source, 'solid-queue', 'waiting', { queues: ['default'] });
  expect(waiting.map((r) => r.id)).toContain(String(sq.readyOld));
  expect(waiting.find((r) => r.id === String(sq.readyOld))!.traceId).toBe(TRACE);
  const big = waiting.find((r) => r.id === String(sq.readyBig))!;
  expect(big.payload).toMatchObject({ truncated: true, kind: 'json' });
  expect(big.payload!.bytes).toBeGreaterThan(2 * 1024 * 1024);
  expect((await list(source, 'solid-queue', 'delayed')).map((r) => r.id).sort()).toEqual(
    [sq.retry, sq.later].map(String).sort()
  );
  expect((await list(source, 'solid-queue', 'retry')).map((r) => [r.id, r.attempts])).toEqual([[String(sq.retry), 1]]);
  // active lists every claimed job, the stalled ones included.
  expect((await list(source, 'solid-queue', 'active')).map((r) => r.id).sort()).toEqual(
    [sq.active, sq.stalled, sq.orphan].map(String).sort()
  );
  expect((await list(source, 'solid-queue', 'stalled')).map((r) => r.id).sort()).toEqual(
    [sq.stalled, sq.orphan].map(String).sort()
  );
  const completed = await list(source, 'solid-queue', 'completed', { queues: ['default'] });
  expect(completed).toHaveLength(5);
  expect(completed[0].id).toBe(String(sq.done - 3)); // finished 100 s ago, newest first
  expect((await list(source, 'solid-queue', 'failed', { search: 'readtimeout' })).map((r) => r.id)).toEqual([
    String(sq.failed0),
  ]);
});

it("lists GoodJob jobs per state, with the last execution's backtrace", async () => {
  const discarded = await list(source, 'good-job', 'failed');
  expect(discarded.map((r) => r.id)).toEqual([gj.discarded1111, gj.discarded4242, gj.discarded9999]);
  expect(discarded[1]).toMatchObject({
    name: 'ChargeJob',
    attempts: 1,
    error: 'ArgumentError: bad card 4242 (retry_stopped)',
  });
  expect(discarded[1].stacktrace).toBe(
    `/app/jobs/charge_job.rb:7:in 'perform'\n/gems/good_job/lib/good_job/job.rb:615`
  );
  expect(Math.abs(discarded[1].finishedAt! - (Date.now() - 500_000))).toBeLessThan(30_000);
  // The source lists rows newest first: the job queued 30 s ago, then the one from 240 s ago.
  expect((await list(source, 'good-job', 'waiting', { queues: ['default'] })).map((r) => [r.id, r.traceId])).toEqual([
    [expect.any(String), undefined],
    [gj.queuedOld, TRACE],
  ]);
  expect((await list(source, 'good-job', 'delayed')).map((r) => r.id).sort()).toEqual(
    [gj.scheduled, gj.scheduledOnce].sort()
  );
  const retry = await list(source, 'good-job', 'retry');
  expect(retry.map((r) => [r.id, r.error])).toEqual([[gj.retried, 'RuntimeError: boom (retried)']]);
  expect((await list(source, 'good-job', 'active')).map((r) => r.id).sort()).toEqual(
    [gj.activeA, gj.activeB, gj.stalledC, gj.stalledD, gj.stalledNull].sort()
  );
  expect((await list(source, 'good-job', 'stalled')).map((r) => r.id).sort()).toEqual(
    [gj.stalledC, gj.stalledD, gj.stalledNull].sort()
  );
  expect(await list(source, 'good-job', 'completed')).toHaveLength(4);
  expect((await list(source, 'good-job', 'dead', { search: '9999' })).map((r) => r.id)).toEqual([gj.discarded9999]);
});

it('throughput from finished_at (and Solid Queue failed executions) in the range', async () => {
  const r = await source.read({ refId: 'A', queryType: 'timeseries', queues: ['default'] }, lastHour());
  if (r.type !== 'timeseries') {
    throw new Error(r.type);
  }
  const sum = (system: string, metric: string) =>
    r.series
      .filter((s) => s.labels.system === system && s.metric === metric)
      .reduce((a, s) => a + s.values.reduce((x, y) => x + y, 0), 0);
  expect([
    sum('solid-queue', 'completed'),
    sum('solid-queue', 'failed'),
    sum('good-job', 'completed'),
    sum('good-job', 'failed'),
  ]).toEqual([4, 3, 3, 2]);
});

it('workers from solid_queue_processes and good_job_processes', async () => {
  const r = await source.read({ refId: 'A', queryType: 'workers', queues: ['default'] }, lastHour());
  if (r.type !== 'workers') {
    throw new Error(r.type);
  }
  const sqRows = r.rows.filter((w: any) => w.system === 'solid-queue');
  expect(sqRows.map((w) => [w.alive, w.busy, w.concurrency]).sort()).toEqual([
    [false, 1, 3],
    [true, 1, 3],
  ]);
  const gjRows = r.rows.filter((w: any) => w.system === 'good-job');
  // d serves "-critical" (everything but critical), so it serves default too.
  expect(gjRows.map((w) => [w.alive, w.busy]).sort()).toEqual([
    [false, 1],
    [false, 1],
    [true, 1],
    [true, 1],
  ]);
  expect(gjRows.find((w) => w.name === gj.b)).toMatchObject({ alive: true, host: 'app-2', concurrency: 5 });
  expect([
    queueSpecMatches('-critical', 'critical'),
    queueSpecMatches('+a,b', 'b'),
    queueSpecMatches('a,*', 'z'),
    queueSpecMatches('a', 'b'),
  ]).toEqual([false, true, true, false]);
});

it('answers every query type and job state as a role that may only SELECT', async () => {
  const ro = await db.readOnlyRole(['public']);
  const url = new URL(db.url);
  url.username = ro.user;
  const roSource = pgSource(db, { url: url.toString() }, { password: ro.password });
  try {
    expect((await roSource.checkHealth()).systems).toEqual({ 'solid-queue': 3, 'good-job': 2 });
    for (const queryType of ['overview', 'failures', 'timeseries', 'workers'] as const) {
      await roSource.read({ refId: 'A', queryType }, lastHour());
    }
    for (const system of ['solid-queue', 'good-job'] as const) {
      for (const state of JOB_STATES) {
        await list(roSource, system, state, { search: 'e' });
      }
    }
    const r = await roSource.read({ refId: 'A', queryType: 'overview', queues: ['default'] }, lastHour());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    expect([values(r.stats, 'solid-queue', 'default').stalled, values(r.stats, 'good-job', 'default').active]).toEqual([
      2, 5,
    ]);
    const write = new Client({ connectionString: url.toString(), password: ro.password });
    await write.connect();
    await expect(write.query(`DELETE FROM solid_queue_failed_executions`)).rejects.toThrow(/permission denied/);
    await write.end();
  } finally {
    await roSource.close();
  }
});

describe('on 100k jobs', () => {
  /** When the rows were written (epoch ms): the time window is counted from it, not from the read. */
  let seededAt = 0;
  beforeAll(async () => {
    await bulk.admin.query(SOLID_QUEUE_DDL + GOOD_JOB_DDL);
    // 30 queues; per queue ~3000 finished and ~333 ready/unfinished, shaped as above.
    await bulk.admin.query(`
      INSERT INTO solid_queue_jobs (queue_name, class_name, arguments, priority, active_job_id, scheduled_at, finished_at, created_at, updated_at)
      SELECT 'q' || (i % 30), 'ReportJob', json_build_object('job_class', 'ReportJob', 'job_id', gen_random_uuid(), 'provider_job_id', null, 'queue_name', 'q' || (i % 30),
               'priority', null, 'arguments', json_build_array(i), 'executions', 0, 'exception_executions', '{}'::json, 'locale', 'en', 'timezone', 'UTC')::text,
             0, gen_random_uuid()::text, ${utc(7200)}, CASE WHEN i > 10000 THEN ${utc(0)} - (i - 10000) * interval '1 second' END, ${utc(7200)}, ${utc(7200)}
      FROM generate_series(1, 100000) i;
      INSERT INTO solid_queue_ready_executions (job_id, queue_name, priority, created_at)
      SELECT id, queue_name, 0, created_at FROM solid_queue_jobs WHERE finished_at IS NULL;
      INSERT INTO good_jobs (id, active_job_id, job_class, queue_name, priority, serialized_params, scheduled_at, finished_at, created_at, updated_at)
      SELECT u, u, 'ReportJob', 'q' || (i % 30), 0, jsonb_build_object('job_class', 'ReportJob', 'job_id', u, 'queue_name', 'q' || (i % 30), 'arguments', jsonb_build_array(i), 'executions', 0),
             ${utc(7200)}, CASE WHEN i > 10000 THEN ${utc(0)} - (i - 10000) * interval '1 second' END, ${utc(7200)}, ${utc(7200)}
      FROM (SELECT i, gen_random_uuid() AS u FROM generate_series(1, 100000) i) s;
      ANALYZE`);
    // The newest finished job (i = 10001) finished 1 s before the seeding transaction's now().
    const { rows } = await bulk.admin.query(
      `SELECT extract(epoch FROM max(finished_at)) * 1000 + 1000 AS t FROM solid_queue_jobs`
    );
    seededAt = Number(rows[0].t);
  }, 120_000);

  const plan = async (sql: string) => {
    const r = await bulk.admin.query(`EXPLAIN (FORMAT TEXT) ${sql}`, [
      ['q1', 'q2'],
      new Date(Date.now() - 3600_000).toISOString(),
      new Date().toISOString(),
    ]);
    return r.rows.map((x) => x['QUERY PLAN']).join('\n');
  };

  it('Solid Queue: the ready part reads index_solid_queue_poll_by_queue, finished jobs index_solid_queue_jobs_for_filtering', async () => {
    const text = await plan(new SolidQueue('public').overviewSql());
    expect(text).toMatch(/index_solid_queue_poll_by_queue/);
    expect(text).not.toMatch(/Seq Scan on solid_queue_ready_executions/);
    expect(text).toMatch(/index_solid_queue_jobs_for_filtering|index_solid_queue_jobs_on_finished_at/);
    expect(text).not.toMatch(/Seq Scan on solid_queue_jobs /);
  });

  it('GoodJob: unfinished jobs through the partial (queue_name, scheduled_at) index, finished through finished_at', async () => {
    const text = await plan(new GoodJob('public').overviewSql());
    // Every index GoodJob declares on scheduled_at is partial WHERE finished_at IS NULL, so
    // whichever the planner picks (it prefers index_good_jobs_on_scheduled_at at this size),
    // the unfinished part reads the backlog only, never the retained history.
    const unfinished = text.match(/Index Scan using (\w+) on good_jobs j\b/)?.[1];
    expect([
      'index_good_jobs_on_scheduled_at',
      'index_good_jobs_on_queue_name_and_scheduled_at',
      'index_good_jobs_on_queue_name_priority_scheduled_at_unfinished',
      'index_good_jobs_on_priority_scheduled_at_unfinished',
    ]).toContain(unfinished);
    expect(text).toMatch(/index_good_jobs_jobs_on_finished_at_only/);
    expect(text).toMatch(/index_good_jobs_on_discarded/);
    expect(text).not.toMatch(/Seq Scan on good_jobs/);
  });

  it('answers the overview for two queues with the expected counts', async () => {
    const src = pgSource(bulk);
    try {
      // The hour before seeding: however long seeding and this read take, the same rows are in it.
      const r = await src.read({ refId: 'A', queryType: 'overview', queues: ['q1', 'q2'] }, lastHour(seededAt));
      if (r.type !== 'overview') {
        throw new Error(r.type);
      }
      // Unfinished: i in 1..10000 with i % 30 = 1 (1, 31, …, 9991) = 334, = 2 (2, …, 9992) = 334.
      // Finished i - 10000 s ago; inside the last hour: i in 10001..13599, of which
      // i % 30 = 1 (10021, …, 13591) = 120 and i % 30 = 2 (10022, …, 13592) = 120.
      expect(r.stats.map((s: any) => [s.system, s.queue, s.values.wait, s.values.completed])).toEqual([
        ['solid-queue', 'q1', 334, 120],
        ['solid-queue', 'q2', 334, 120],
        ['good-job', 'q1', 334, 120],
        ['good-job', 'q2', 334, 120],
      ]);
    } finally {
      await src.close();
    }
  });
});

describe('through the packaged executable', () => {
  let plugin: PluginProcess;
  let grafana: GrafanaClient;
  beforeAll(async () => {
    plugin = await startPlugin();
    grafana = new GrafanaClient(plugin.target);
  }, 30_000);
  afterAll(() => {
    grafana?.close();
    plugin?.kill();
  });

  it("reports both systems and an overview in Grafana's numeric frames, as a SELECT-only role", async () => {
    const ro = await db.readOnlyRole(['public']);
    const ds = roleDatasource(db, ro, `pg-sqgj-${db.name}`);
    const health = await grafana.checkHealth(ds);
    expect(health.status).toBe(1);
    expect(health.message).toMatch(/solid-queue/);
    expect(health.message).toMatch(/good-job/);
    const responses = await grafana.queryData(ds, [
      { refId: 'A', json: { queryType: 'overview', queues: ['default'] } },
    ]);
    expect(responses.A.status).toBe(200);
    const nums = readNumeric(responses.A.frames.map(decodeFrame));
    const get = (system: string, metric: string) =>
      nums.find((v) => v.labels.system === system && v.labels.queue === 'default' && v.metric === metric)?.value;
    expect([
      get('solid-queue', 'wait'),
      get('solid-queue', 'stalled'),
      get('solid-queue', 'failed'),
      get('good-job', 'wait'),
      get('good-job', 'stalled'),
      get('good-job', 'retries'),
    ]).toEqual([3, 2, 3, 2, 3, 1]);
  });
});

it('GoodJob: counts the oldest wait from when a job became runnable, not from a scheduled_at in the past', async () => {
  // Enqueued now with scheduled_at three hours back (wait_until in the past): queued at once.
  const id = await new GoodJobWriter(db.admin).enqueue('backfill', 'ReportJob', [{ n: 1 }], { scheduledIn: -3 * 3600 });
  try {
    const r = await source.read(
      { refId: 'A', queryType: 'overview', system: 'good-job', queues: ['backfill'] },
      lastHour()
    );
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    expect(values(r.stats, 'good-job', 'backfill')).toMatchObject({ wait: 1 });
    expect(values(r.stats, 'good-job', 'backfill').oldest_wait_seconds).toBeLessThan(60);
  } finally {
    await db.admin.query(`DELETE FROM good_jobs WHERE id = $1`, [id]);
  }
});
