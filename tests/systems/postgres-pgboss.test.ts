/**
 * The `postgres` kind on real pg-boss 10.4 state (own database per file): jobs completed,
 * thrown by a real worker until failed, retrying, delayed, active (fetched, held) and
 * stalled (active past expire_in, pg-boss's failJobsByTimeout rule, with supervision off
 * so pg-boss does not expire it first). Parity with pg-boss's own getQueueSize/getJobById;
 * every query type as a SELECT-only role; EXPLAIN of the overview on 100k jobs.
 * Layout: pg-boss src/plans.js (v10: partitioned `job`, `queue`, `archive`).
 */
import PgBoss from 'pg-boss';
import { createTestDb, lastHour, pgSource, planNodes, readEveryQueryType, TestDb, until } from './postgres/db';
import { PgBoss as PgBossAdapter } from '../../pkg/kinds/postgres/systems/pg-boss/pg-boss';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES } from '../../pkg/model/query';

let db: TestDb;
let boss: PgBoss;
let source: PostgresSource;
const ids: Record<string, string> = {};
const BIG = 'x'.repeat(10 * 1024 * 1024);

beforeAll(async () => {
  db = await createTestDb();
  boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  for (const q of ['emails', 'payments', 'bulk']) {
    await boss.createQueue(q);
  }
  // emails: 2 completed, 1 stalled, 1 active, 3 waiting (one 10 MB), 1 delayed.
  await boss.send('emails', { n: 1 });
  await boss.send('emails', { n: 2 });
  const done = await boss.fetch('emails', { batchSize: 2 });
  await boss.complete('emails', done!.map((j) => j.id) as any, { ok: true });
  ids.stuck = (await boss.send('emails', { n: 'stuck' }, { expireInSeconds: 1 }))!;
  await boss.fetch('emails');
  ids.held = (await boss.send('emails', {
    n: 'held',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  }))!;
  await boss.fetch('emails');
  await boss.send('emails', { n: 'w1' });
  await boss.send('emails', { n: 'w2' });
  ids.big = (await boss.send('emails', { big: BIG }))!;
  ids.later = (await boss.send('emails', { n: 'later' }, { startAfter: 3600 }))!;

  // payments: a real worker throws; two exhaust retryLimit 1 (failed), one retries in 1 h.
  ids.p1 = (await boss.send('payments', { amount: 101 }, { retryLimit: 1, retryDelay: 0 }))!;
  ids.p2 = (await boss.send('payments', { amount: 202 }, { retryLimit: 1, retryDelay: 0 }))!;
  ids.p3 = (await boss.send('payments', { amount: 303, card: 'expired' }, { retryLimit: 5, retryDelay: 3600 }))!;
  await boss.work('payments', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
    const data = job.data as { amount: number; card?: string };
    throw new Error(data.card ? `card for payment ${data.amount} expired` : `payment ${data.amount} declined by bank`);
  });
  await until(async () => {
    const [a, b, c] = await Promise.all([ids.p1, ids.p2, ids.p3].map((id) => boss.getJobById('payments', id)));
    return a?.state === 'failed' && b?.state === 'failed' && c?.state === 'retry';
  }, 'payments to fail');
  await boss.offWork('payments');
  await new Promise((r) => setTimeout(r, 1200)); // `stuck` is now past its 1 s expire_in
  source = pgSource(db);
}, 60_000);

afterAll(async () => {
  await source?.close();
  await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
  await db?.drop();
});

const metric = (stats: Array<{ queue: string; values: Record<string, number | undefined> }>, queue: string) =>
  stats.find((s) => s.queue === queue)!.values;

it('detects pg-boss 10 in schema pgboss and lists its queues (not its internal ones)', async () => {
  expect(await source.listQueues()).toEqual([
    { system: 'pg-boss', queue: 'bulk' },
    { system: 'pg-boss', queue: 'emails' },
    { system: 'pg-boss', queue: 'payments' },
  ]);
  const health = await source.checkHealth();
  expect(health.server).toMatch(new RegExp(`^PostgreSQL 1\\d\\.\\d+.*, database "${db.name}"$`));
  expect(health.systems).toEqual({ 'pg-boss': 3 });
  expect(health.notices).toContain('pg-boss in schema "pgboss": 3 queue(s), 3 waiting, 2 active, 2 failed');
});

it('counts every state in one overview that agrees with pg-boss getQueueSize and getJobById', async () => {
  const r = await source.read({ refId: 'A', queryType: 'overview' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const emails = metric(r.stats, 'emails');
  expect(emails).toMatchObject({
    wait: 3,
    delayed: 1,
    active: 2,
    stalled: 1,
    completed: 2,
    failed: 0,
    retries: 0,
    dead: 0,
  });
  expect(emails.oldest_wait_seconds).toBeGreaterThan(0);
  expect(emails.oldest_wait_seconds).toBeLessThan(120);
  const payments = metric(r.stats, 'payments');
  expect(payments).toMatchObject({
    wait: 0,
    delayed: 1,
    active: 0,
    failed: 2,
    failed_in_range: 2,
    dead: 2,
    retries: 1,
    completed: 0,
  });
  // pg-boss's own numbers for the same state.
  expect(emails.wait! + emails.delayed!).toBe(await boss.getQueueSize('emails'));
  expect(emails.wait! + emails.delayed! + emails.active!).toBe(
    await boss.getQueueSize('emails', { before: 'completed' })
  );
  expect(payments.wait! + payments.delayed!).toBe(await boss.getQueueSize('payments'));
  expect((await boss.getJobById('payments', ids.p3))!.state).toBe('retry');
  // A time range before the failures: failed stays, failed_in_range and completed drop.
  const old = await source.read(
    { refId: 'A', queryType: 'overview', queues: ['payments', 'emails'] },
    { from: 0, to: 1000, now: Date.now(), intervalMs: 1000 }
  );
  if (old.type !== 'overview') {
    throw new Error(old.type);
  }
  expect(metric(old.stats, 'payments')).toMatchObject({ failed: 2, failed_in_range: 0 });
  expect(metric(old.stats, 'emails')).toMatchObject({ completed: 0, wait: 3 });
  expect(r.notices.map((n) => n.text).join('\n')).toMatch(/archive is not read/);
});

it('falls back to planner statistics above maxExactRows: queued counts exact, active and failed estimated, the rest left out', async () => {
  // ANALYZE samples every row of a table this small, so the statistics are the true shares.
  await db.admin.query('ANALYZE pgboss.job');
  const exact = await source.read({ refId: 'A', queryType: 'overview', queues: ['emails', 'payments'] }, lastHour());
  const estimating = pgSource(db, { maxExactRows: 5 });
  try {
    const r = await estimating.read({ refId: 'A', queryType: 'overview', queues: ['emails', 'payments'] }, lastHour());
    if (r.type !== 'overview' || exact.type !== 'overview') {
      throw new Error(r.type);
    }
    for (const queue of ['emails', 'payments']) {
      const e = metric(exact.stats, queue);
      const v = metric(r.stats, queue);
      expect([queue, v.wait, v.delayed, v.retries, v.active, v.failed, v.dead]).toEqual([
        queue,
        e.wait,
        e.delayed,
        e.retries,
        e.active,
        e.failed,
        e.dead,
      ]);
      expect(Math.abs(v.oldest_wait_seconds! - e.oldest_wait_seconds!)).toBeLessThan(5);
      expect(v.stalled).toBeUndefined();
      expect(v.completed).toBeUndefined();
      expect(v.failed_in_range).toBeUndefined();
    }
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(
      /rows to read without an index \(more than maxExactRows, 5\).*planner estimates/
    );
  } finally {
    await estimating.close();
  }
});

it('groups the thrown errors by normalised message and lists failed jobs with stack and attempts', async () => {
  const f = await source.read({ refId: 'A', queryType: 'failures' }, lastHour());
  if (f.type !== 'failures') {
    throw new Error(f.type);
  }
  expect(f.groups).toHaveLength(1);
  expect(f.groups[0]).toMatchObject({
    system: 'pg-boss',
    queue: 'payments',
    reason: 'Error: payment <n> declined by bank',
    count: 2,
  });
  expect([ids.p1, ids.p2]).toContain(f.groups[0].exampleJobId);

  const j = await source.read({ refId: 'A', queryType: 'jobs', state: 'failed' }, lastHour());
  if (j.type !== 'jobs') {
    throw new Error(j.type);
  }
  expect(j.rows.map((r) => r.id).sort()).toEqual([ids.p1, ids.p2].sort());
  const own = await boss.getJobById('payments', ids.p1);
  const row = j.rows.find((r) => r.id === ids.p1)!;
  expect(row).toMatchObject({ queue: 'payments', state: 'failed', attempts: 2, error: (own!.output as any).message });
  expect(row.stacktrace).toMatch(/^Error: payment 101 declined by bank\n\s+at /);
  expect(row.finishedAt).toBe(own!.completedOn!.getTime());
  expect(row.payload).toMatchObject({ kind: 'json', preview: '{"amount": 101}', truncated: false });

  const retry = await source.read({ refId: 'A', queryType: 'jobs', state: 'retry', search: 'EXPIRED' }, lastHour());
  if (retry.type !== 'jobs') {
    throw new Error(retry.type);
  }
  expect(retry.rows.map((r) => [r.id, r.error])).toEqual([[ids.p3, 'card for payment 303 expired']]);
});

it('lists waiting, delayed, active and stalled jobs; a 10 MB payload is cut in SQL with its size kept', async () => {
  const list = async (state: (typeof JOB_STATES)[number]) => {
    const r = await source.read({ refId: 'A', queryType: 'jobs', state, queues: ['emails'], limit: 10 }, lastHour());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    return r.rows;
  };
  const waiting = await list('waiting');
  expect(waiting).toHaveLength(3);
  const big = waiting.find((r) => r.id === ids.big)!;
  expect(big.payload!.bytes).toBe(Buffer.byteLength(JSON.stringify({ big: BIG }).replace('":"', '": "')));
  expect(big.payload!.truncated).toBe(true);
  expect(big.payload!.preview.length).toBeLessThanOrEqual(4096);
  expect((await list('delayed')).map((r) => r.id)).toEqual([ids.later]);
  const active = await list('active');
  expect(active.map((r) => r.id).sort()).toEqual([ids.held, ids.stuck].sort());
  expect(active.find((r) => r.id === ids.held)!.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  expect((await list('stalled')).map((r) => [r.id, r.state])).toEqual([[ids.stuck, 'stalled']]);
  expect(await list('completed')).toHaveLength(2);
});

it('draws completed and failed per interval from completed_on', async () => {
  const r = await source.read({ refId: 'A', queryType: 'timeseries' }, lastHour());
  if (r.type !== 'timeseries') {
    throw new Error(r.type);
  }
  const total = (queue: string, metric: string) =>
    r.series.find((s) => s.labels.queue === queue && s.metric === metric)!.values.reduce((a, b) => a + b, 0);
  expect([
    total('emails', 'completed'),
    total('emails', 'failed'),
    total('payments', 'failed'),
    total('payments', 'completed'),
  ]).toEqual([2, 0, 2, 0]);
});

it('answers every query type as a role that may only SELECT (and that role really cannot write)', async () => {
  const ro = await db.readOnlyRole(['pgboss']);
  const url = new URL(db.url);
  url.username = ro.user;
  const roSource = pgSource(db, { url: url.toString() }, { password: ro.password });
  try {
    expect((await roSource.checkHealth()).systems).toEqual({ 'pg-boss': 3 });
    await readEveryQueryType(roSource, 'a');
    const r = await roSource.read({ refId: 'A', queryType: 'overview', queues: ['emails'] }, lastHour());
    expect(r.type === 'overview' && r.stats[0].values.wait).toBe(3);
  } finally {
    await roSource.close();
  }
  const { Client } = await import('pg');
  const c = new Client({ connectionString: url.toString(), password: ro.password });
  await c.connect();
  await expect(c.query(`DELETE FROM pgboss.job`)).rejects.toMatchObject({ code: '42501' });
  await c.end();
});

it('answers the overview of a 100k-job queue in one pass over its own partition (EXPLAIN), never the archive', async () => {
  const jobs = Array.from({ length: 100_000 }, (_, i) => ({ name: 'bulk', data: { i } }));
  await boss.insert(jobs);
  for (let left = 100_000; left > 0; left -= 25_000) {
    const batch = await boss.fetch('bulk', { batchSize: 25_000 });
    await boss.complete(
      'bulk',
      batch!.map((j) => j.id)
    );
  }
  for (let i = 0; i < 5; i++) {
    await boss.send('bulk', { ready: i });
  }
  await db.admin.query('ANALYZE pgboss.job');
  const adapter = new PgBossAdapter('pgboss', 24);
  const now = Date.now();
  const nodes = await planNodes(db.admin, adapter.overviewSql(), [['bulk'], new Date(now - 3600_000), new Date(now)]);
  const partition = (await db.admin.query(`SELECT partition_name FROM pgboss.queue WHERE name = 'bulk'`)).rows[0]
    .partition_name;
  // pg-boss 10 has no index on active or finished rows: the partition is read once for every
  // count (not once per part), only the queried queue's partition, and never the archive.
  // Job rows only: the queue table (dead-letter links) and the instance registry are a few rows.
  const scans = nodes.filter((n) => n['Relation Name'] && !['queue', 'instance'].includes(n['Relation Name']));
  expect(scans.map((n) => n['Relation Name'])).toEqual([partition]);
  expect(nodes.some((n) => n['Relation Name'] === 'archive')).toBe(false);

  const r = await source.read({ refId: 'A', queryType: 'overview', queues: ['bulk'] }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  expect(r.stats[0].values).toMatchObject({ wait: 5, completed: 100_000 });
  expect(r.stats[0].values.wait).toBe(await boss.getQueueSize('bulk'));
}, 120_000);
