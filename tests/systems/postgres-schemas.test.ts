/**
 * One job system in two schemas of one database (say a `staging` and a `prod` pg-boss),
 * both with a queue "emails", made by the real pg-boss 10: queue names are qualified with
 * their schema (`prod/emails`), so every series keeps a label set of its own (alerting
 * refuses duplicates) and a query can name either. A system found once keeps plain names.
 */
import PgBoss from 'pg-boss';
import { createTestDb, lastHour, pgSource, TestDb } from './postgres/db';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';

let db: TestDb;
let source: PostgresSource;
const bosses: PgBoss[] = [];

beforeAll(async () => {
  db = await createTestDb();
  for (const [schema, jobs] of [
    ['staging', 1],
    ['prod', 3],
  ] as const) {
    const boss = new PgBoss({ connectionString: db.url, schema, supervise: false, schedule: false });
    boss.on('error', () => undefined);
    await boss.start();
    bosses.push(boss);
    await boss.createQueue('emails');
    for (let i = 0; i < jobs; i++) {
      await boss.send('emails', { i });
    }
  }
  await bosses[1].createQueue('reports');
  await bosses[1].send('reports', {});
  source = pgSource(db);
}, 60_000);

afterAll(async () => {
  await source?.close();
  for (const boss of bosses) {
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
  }
  await db?.drop();
});

it('qualifies the queues of a system found in two schemas with their schema', async () => {
  const queues = (await source.listQueues()).map((q) => `${q.system}:${q.queue}`).sort();
  expect(queues).toEqual(['pg-boss:prod/emails', 'pg-boss:prod/reports', 'pg-boss:staging/emails']);
  const r = await source.read({ refId: 'A', queryType: 'overview' }, lastHour());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  const wait = Object.fromEntries(r.stats.map((s) => [s.queue, s.values.wait]));
  // Each equals pg-boss's own count in that schema.
  expect(wait).toEqual({
    'prod/emails': await bosses[1].getQueueSize('emails'),
    'prod/reports': await bosses[1].getQueueSize('reports'),
    'staging/emails': await bosses[0].getQueueSize('emails'),
  });
  expect(wait).toEqual({ 'prod/emails': 3, 'prod/reports': 1, 'staging/emails': 1 });
});

it("reads one schema's queue by its qualified name, and pattern-matches qualified names", async () => {
  const one = await source.read(
    { refId: 'A', queryType: 'jobs', state: 'waiting', queues: ['prod/emails'] },
    lastHour()
  );
  if (one.type !== 'jobs') {
    throw new Error(one.type);
  }
  expect(one.rows.map((r) => r.queue)).toEqual(['prod/emails', 'prod/emails', 'prod/emails']);
  const prod = await source.read({ refId: 'A', queryType: 'overview', queues: ['prod/*'] }, lastHour());
  if (prod.type !== 'overview') {
    throw new Error(prod.type);
  }
  expect(prod.stats.map((s) => s.queue).sort()).toEqual(['prod/emails', 'prod/reports']);
  // The bare name is ambiguous here: it names no queue.
  await expect(
    source.read({ refId: 'A', queryType: 'overview', queues: ['emails'] }, lastHour())
  ).rejects.toMatchObject({ status: 404 });
});

it('keeps plain names when the system is in one schema only (the schemas setting narrows it)', async () => {
  const prodOnly = pgSource(db, { schemas: 'prod' });
  try {
    expect((await prodOnly.listQueues()).map((q) => q.queue).sort()).toEqual(['emails', 'reports']);
  } finally {
    await prodOnly.close();
  }
});
