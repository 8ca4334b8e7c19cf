/**
 * The `postgres` kind on pg-boss 9, 10, 11 and 12 (npm pg-boss9 = 9.0.3, pg-boss = 10.4,
 * pg-boss11 = 11.1, pg-boss12 = 12.38), one test body for the four: each real pg-boss builds
 * its own schema (`pgboss_v<major>`) in one throw-away database, from a child process
 * (tests/systems/postgres/pgboss/driver.mjs: completed, thrown until failed, retrying,
 * delayed, active held, stalled jobs; a running worker). Jobscope's answers are compared with
 * that major's own read API on the same state (getQueueSize, getQueueStats, getJobById,
 * getInstances), never a mutating call once the state is built. Every query type runs as a
 * SELECT-only role; EXPLAIN shows the ready part on pg-boss's own fetch index per layout.
 */
import { createTestDb, lastHour, pgSource, planNodes, readEveryQueryType, roleDatasource, TestDb } from './postgres/db';
import { PgBoss as PgBossAdapter } from '../../pkg/kinds/postgres/systems/pg-boss/pg-boss';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES, type JobState } from '../../pkg/model/query';
import { ScriptClient } from './postgres/pgboss/script-client';

type Major = 9 | 10 | 11 | 12;
const MAJORS: Major[] = [9, 10, 11, 12];
/** The schema version each installed package writes (its migrationStore / package.json). */
const SCHEMA_VERSION: Record<Major, number> = { 9: 20, 10: 24, 11: 26, 12: 46 };

/** `p`, or nothing after `ms`, leaving no timer behind. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

class Driver extends ScriptClient<{ ids: Record<string, string>; version: string; schemaVersion: number }> {
  constructor(
    major: Major,
    url: string,
    readonly schema: string
  ) {
    super(
      'driver.mjs',
      [String(major), url, schema],
      (code, _signal, stderr) => new Error(`pg-boss ${major} driver exited ${code}: ${stderr}`)
    );
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      await within(
        this.call('stop').catch(() => undefined),
        5000
      );
      await within(exited, 3000);
      this.child.kill();
    }
  }
}

let db: TestDb;
const drivers = new Map<Major, Driver>();
const states = new Map<Major, { ids: Record<string, string>; version: string; schemaVersion: number }>();

beforeAll(async () => {
  db = await createTestDb();
  for (const major of MAJORS) {
    drivers.set(major, new Driver(major, db.url, `pgboss_v${major}`));
  }
  for (const major of MAJORS) {
    states.set(major, await drivers.get(major)!.ready);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...drivers.values()].map((d) => d.stop()));
  await db?.drop();
});

it('finds the four pg-boss schemas in one database, each read with its own layout', async () => {
  const source = pgSource(db);
  try {
    const health = await source.checkHealth();
    // pg-boss 9 has no queue table: a queue exists while it holds jobs (reports and bulk have none).
    expect(health.systems).toEqual({ 'pg-boss': 14 });
    for (const major of MAJORS) {
      expect(states.get(major)!.schemaVersion).toBe(SCHEMA_VERSION[major]);
      expect(health.notices).toContain(
        `pg-boss in schema "pgboss_v${major}": ${major === 9 ? 2 : 4} queue(s), 2 waiting, 2 active, 2 failed`
      );
    }
  } finally {
    await source.close();
  }
  expect(MAJORS.map((m) => new PgBossAdapter('x', SCHEMA_VERSION[m]).layout.major)).toEqual(MAJORS);
  expect(states.get(12)!.version).toBe('12.38.0');
});

describe.each(MAJORS)('pg-boss %i', (major) => {
  let source: PostgresSource;
  let boss: Driver;
  let ids: Record<string, string>;
  const schema = `pgboss_v${major}`;

  beforeAll(() => {
    boss = drivers.get(major)!;
    ids = states.get(major)!.ids;
    source = pgSource(db, { schemas: schema });
  });
  afterAll(() => source?.close());

  const read = async <T extends string>(type: T, extra: Record<string, unknown> = {}) => {
    const r = await source.read({ refId: 'A', queryType: type as any, ...extra }, lastHour());
    if (r.type !== type) {
      throw new Error(r.type);
    }
    return r as Extract<typeof r, { type: T }>;
  };
  const jobs = async (state: JobState, queues?: string[], search?: string) =>
    (await read('jobs', { state, queues, search, limit: 50 })).rows;

  it('lists its queues (not pg-boss internal ones)', async () => {
    const queues = major === 9 ? ['emails', 'payments'] : ['bulk', 'emails', 'payments', 'reports'];
    expect(await source.listQueues()).toEqual(queues.map((queue) => ({ system: 'pg-boss', queue })));
  });

  it("counts every state in one overview that agrees with pg-boss's own counts", async () => {
    const r = await read('overview');
    const v = (q: string) => r.stats.find((s) => s.queue === q)!.values;
    expect(v('emails')).toMatchObject({
      wait: 2,
      delayed: 1,
      active: 2,
      stalled: 1,
      completed: 2,
      failed: 0,
      retries: 0,
      dead: 0,
    });
    expect(v('emails').oldest_wait_seconds).toBeGreaterThan(0);
    expect(v('emails').oldest_wait_seconds).toBeLessThan(300);
    expect(v('payments')).toMatchObject({
      wait: 0,
      delayed: 1,
      active: 0,
      stalled: 0,
      completed: 0,
      failed: 2,
      failed_in_range: 2,
      dead: 2,
      retries: 1,
    });
    for (const q of ['emails', 'payments', ...(major === 9 ? [] : ['reports'])]) {
      const ours = v(q);
      if (major <= 10) {
        expect(ours.wait! + ours.delayed!).toBe(await boss.call('getQueueSize', q));
        expect(ours.wait! + ours.delayed! + ours.active!).toBe(
          await boss.call('getQueueSize', q, { before: 'completed' })
        );
      } else {
        const own = await boss.call('getQueueStats', q);
        expect([ours.wait! + ours.delayed!, ours.active]).toEqual([own.queuedCount, own.activeCount]);
        if (major === 11) {
          expect(ours.delayed).toBe(own.deferredCount);
        } else {
          expect([ours.wait, ours.delayed, ours.failed]).toEqual([
            own.readyCount,
            own.deferredCount + (own.blockedCount ?? 0),
            own.failedCount,
          ]);
        }
      }
    }
    // A time range before the failures: failed stays, failed_in_range and completed drop.
    const old = await source.read(
      { refId: 'A', queryType: 'overview', queues: ['payments', 'emails'] },
      { from: 0, to: 1000, now: Date.now(), intervalMs: 1000 }
    );
    if (old.type !== 'overview') {
      throw new Error(old.type);
    }
    expect(old.stats.find((s) => s.queue === 'payments')!.values).toMatchObject({ failed: 2, failed_in_range: 0 });
    expect(old.stats.find((s) => s.queue === 'emails')!.values).toMatchObject({ completed: 0, wait: 2 });
  });

  it('falls back to planner statistics above maxExactRows before 12 (12 indexes everything and stays exact)', async () => {
    await db.admin.query(`ANALYZE ${schema}.job`);
    const exact = await read('overview', { queues: ['emails', 'payments'] });
    const estimating = pgSource(db, { schemas: schema, maxExactRows: 1 });
    try {
      const r = await estimating.read(
        { refId: 'A', queryType: 'overview', queues: ['emails', 'payments'] },
        lastHour()
      );
      if (r.type !== 'overview') {
        throw new Error(r.type);
      }
      const notices = r.notices.map((n) => n.text).join('\n');
      for (const queue of ['emails', 'payments']) {
        const e = exact.stats.find((s) => s.queue === queue)!.values;
        const v = r.stats.find((s) => s.queue === queue)!.values;
        expect([queue, v.wait, v.delayed, v.retries]).toEqual([queue, e.wait, e.delayed, e.retries]);
        if (major === 12) {
          // Seconds pass between the two reads: the oldest age is compared apart.
          expect({ ...v, oldest_wait_seconds: 0 }).toEqual({ ...e, oldest_wait_seconds: 0 });
        } else {
          expect([v.stalled, v.completed, v.failed_in_range]).toEqual([undefined, undefined, undefined]);
          // A partition of its own (10) is attributed; a shared table (9's job, 11's job_common) is not.
          expect([v.active, v.failed]).toEqual(major === 10 ? [e.active, e.failed] : [undefined, undefined]);
        }
      }
      expect(/more than maxExactRows/.test(notices)).toBe(major !== 12);
    } finally {
      await estimating.close();
    }
  });

  it('lists the jobs of each state as pg-boss getJobById sees them', async () => {
    const idsOf = async (state: JobState, queue: string) => (await jobs(state, [queue])).map((r) => r.id).sort();
    expect(await idsOf('waiting', 'emails')).toEqual([ids.w1, ids.w2].sort());
    expect(await idsOf('delayed', 'emails')).toEqual([ids.later]);
    expect(await idsOf('delayed', 'payments')).toEqual([ids.p3]);
    expect(await idsOf('active', 'emails')).toEqual([ids.held, ids.stuck].sort());
    expect(await idsOf('stalled', 'emails')).toEqual([ids.stuck]);
    expect(await idsOf('completed', 'emails')).toEqual([ids.done1, ids.done2].sort());
    expect(await idsOf('failed', 'payments')).toEqual([ids.p1, ids.p2].sort());
    expect(await idsOf('dead', 'payments')).toEqual([ids.p1, ids.p2].sort());
    expect(await idsOf('retry', 'payments')).toEqual([ids.p3]);

    const all = [
      ...new Map(
        (await Promise.all(JOB_STATES.filter((s) => s !== 'stalled' && s !== 'dead').map((s) => jobs(s))))
          .flat()
          .reverse()
          .map((r) => [r.id, r])
      ).values(),
    ];
    expect(all.map((r) => r.id).sort()).toEqual(Object.values(ids).sort());
    for (const row of all) {
      const own = await boss.call('getJobById', row.queue, row.id);
      expect(row.state).toBe(own.state);
      expect(row.createdAt).toBe(new Date(own.createdOn ?? own.createdon).getTime());
      const completed = own.completedOn ?? own.completedon;
      expect(row.finishedAt).toBe(completed ? new Date(completed).getTime() : undefined);
    }
    const held = (await jobs('active', ['emails'])).find((r) => r.id === ids.held)!;
    expect(held.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(held.payload).toMatchObject({ kind: 'json', truncated: false });
    expect(JSON.parse(held.payload!.preview)).toEqual((await boss.call('getJobById', 'emails', ids.held)).data);
  });

  it('groups the thrown errors and shows failed jobs with message, stack and attempts', async () => {
    const f = await read('failures');
    expect(f.groups).toHaveLength(1);
    expect(f.groups[0]).toMatchObject({
      system: 'pg-boss',
      queue: 'payments',
      reason: 'Error: payment <n> declined by bank',
      count: 2,
    });
    const [row] = (await jobs('failed', ['payments'])).filter((r) => r.id === ids.p1);
    const own = await boss.call('getJobById', 'payments', ids.p1);
    expect(row).toMatchObject({ state: 'failed', attempts: 2, error: own.output.message });
    expect(row.error).toBe('payment 101 declined by bank');
    expect(row.stacktrace).toMatch(/^Error: payment 101 declined by bank\n\s+at /);
    expect((await jobs('retry', undefined, 'EXPIRED')).map((r) => [r.id, r.error])).toEqual([
      [ids.p3, 'card for payment 303 expired'],
    ]);
  });

  it('draws completed and failed per interval', async () => {
    const r = await read('timeseries');
    const total = (queue: string, metric: string) =>
      r.series.find((s) => s.labels.queue === queue && s.metric === metric)!.values.reduce((a, b) => a + b, 0);
    expect([
      total('emails', 'completed'),
      total('emails', 'failed'),
      total('payments', 'failed'),
      total('payments', 'completed'),
    ]).toEqual([2, 0, 2, 0]);
  });

  it("lists workers from pg-boss 12's instance registry as getInstances reports them (none before)", async () => {
    const r = await read('workers');
    if (major < 12) {
      expect(r.rows).toEqual([]);
      expect(r.notices.map((n) => n.text).join('\n')).toMatch(/keeps no worker registry/);
      return;
    }
    const own = (await boss.call<any[]>('getInstances')).filter((i) =>
      i.workers.some((w: any) => w.queue === 'reports')
    );
    expect(own).toHaveLength(1);
    expect(r.rows).toEqual([
      {
        system: 'pg-boss',
        name: own[0].name,
        host: own[0].host,
        pid: own[0].pid,
        queues: ['reports'],
        busy: 0,
        concurrency: 1,
        alive: own[0].live,
        lastHeartbeat: new Date(own[0].heartbeatOn).getTime(),
        startedAt: new Date(own[0].startedOn).getTime(),
      },
    ]);
    expect(r.rows[0].alive).toBe(true);
  });

  it('answers every query type as a role that may only SELECT', async () => {
    const ro = await db.readOnlyRole([schema]);
    const url = new URL(db.url);
    url.username = ro.user;
    const roSource = pgSource(db, { url: url.toString(), schemas: schema }, { password: ro.password });
    try {
      expect((await roSource.checkHealth()).systems).toEqual({ 'pg-boss': major === 9 ? 2 : 4 });
      await readEveryQueryType(roSource, 'a');
      const r = await roSource.read({ refId: 'A', queryType: 'overview', queues: ['emails'] }, lastHour());
      expect(r.type === 'overview' && r.stats[0].values.wait).toBe(2);
    } finally {
      await roSource.close();
    }
    const { Client } = await import('pg');
    const c = new Client({ connectionString: url.toString(), password: ro.password });
    await c.connect();
    await expect(c.query(`DELETE FROM ${schema}.job`)).rejects.toMatchObject({ code: '42501' });
    await c.end();
  });

  it("answers the overview of a 20k-job queue on pg-boss 12's indexes, before 12 in one pass over the queue's rows (EXPLAIN)", async () => {
    await boss.call('bulk', 20_000, 5);
    await db.admin.query(`ANALYZE ${schema}.job`);
    const adapter = new PgBossAdapter(schema, SCHEMA_VERSION[major]);
    const now = Date.now();
    const nodes = await planNodes(db.admin, adapter.overviewSql(), [['bulk'], new Date(now - 3600_000), new Date(now)]);
    // Job rows only: the queue table (dead-letter links) and the instance registry are a few rows.
    const scans = nodes.filter((n) => n['Relation Name'] && !['queue', 'instance'].includes(n['Relation Name']));
    expect(scans.some((n) => n['Relation Name'] === 'archive')).toBe(false);
    if (major === 12) {
      // The queued and the active/failed parts on job_i14. (The finished part may use job_i16;
      // here every job finished inside the hour, so the planner rightly reads the table.)
      const onIndex = scans.filter((n) => n['Index Name'] === 'job_common_i14').map((n) => n['Index Cond'] ?? '');
      expect(onIndex.some((c: string) => c.includes('{created,retry}'))).toBe(true);
      expect(onIndex.some((c: string) => c.includes('{active,failed}'))).toBe(true);
    } else {
      // No index covers active or finished rows before 12: one read of the table (v9) or of
      // the queue's partition (10, 11), not one per part.
      expect(scans).toHaveLength(1);
    }

    const r = await read('overview', { queues: ['bulk'] });
    expect(r.stats[0].values).toMatchObject({ wait: 5, completed: 20_000 });
    const size =
      major <= 10 ? await boss.call('getQueueSize', 'bulk') : (await boss.call('getQueueStats', 'bulk')).queuedCount;
    expect(r.stats[0].values.wait).toBe(size);
  }, 120_000);
});

it('answers through the packaged executable, as Grafana runs it, for pg-boss 9 and 12 as SELECT-only roles', async () => {
  const { startPlugin } = await import('../harness/plugin-process');
  const { GrafanaClient } = await import('../harness/grpc-client');
  const { decodeFrame, readNumeric } = await import('../harness/grafana-frames');
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    for (const major of [9, 12] as const) {
      const schema = `pgboss_v${major}`;
      const ro = await db.readOnlyRole([schema]);
      const ds = roleDatasource(db, ro, `pg-${db.name}-${major}`, { schemas: schema });
      expect((await grafana.checkHealth(ds)).status).toBe(1);
      const responses = await grafana.queryData(
        ds,
        [{ refId: 'A', json: { queryType: 'overview', queues: ['emails', 'payments'] } }],
        { FromAlert: 'true' }
      );
      expect(responses.A.status).toBe(200);
      const values = readNumeric(responses.A.frames.map(decodeFrame));
      const get = (queue: string, metric: string) =>
        values.find((v) => v.labels.queue === queue && v.labels.system === 'pg-boss' && v.metric === metric)?.value;
      expect([
        get('emails', 'wait'),
        get('emails', 'delayed'),
        get('emails', 'active'),
        get('emails', 'stalled'),
      ]).toEqual([2, 1, 2, 1]);
      expect([get('payments', 'failed'), get('payments', 'retries')]).toEqual([2, 1]);
      const boss = drivers.get(major)!;
      const queued =
        major === 9
          ? await boss.call('getQueueSize', 'emails')
          : (await boss.call('getQueueStats', 'emails')).queuedCount;
      expect(get('emails', 'wait')! + get('emails', 'delayed')!).toBe(queued);
    }
  } finally {
    grafana.close();
    plugin.kill();
  }
}, 60_000);
