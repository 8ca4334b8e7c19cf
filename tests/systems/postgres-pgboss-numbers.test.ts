/**
 * Issue 9's pg-boss numbers on states the real pg-boss 10 (npm pg-boss 10.4), 11 (pg-boss11
 * 11.1) and 12 (pg-boss12 12.38) make, each from a child process
 * (tests/systems/postgres/pgboss/numbers.mjs), compared with that major's own read API: a job
 * sent with startAfter three hours back (oldest wait from when it became runnable; 12:
 * readyOldestSeconds of pg-boss's own monitor pass), a job failed into its queue's dead-letter
 * queue and one failed into the queue its own send option deadLetter names (each counted once:
 * failed on its queue, dead where its copy is; pg-boss 11 has no per-job option), pg-boss 12's
 * OpenTelemetry `trace_context`, and pg-boss 12's live workers per queue with a second
 * instance SIGKILLed.
 */
import { createTestDb, lastHour, pgSource, roleDatasource, TestDb, until } from './postgres/db';
import type { PostgresSource } from '../../pkg/kinds/postgres/postgres-kind';
import type { JobState } from '../../pkg/model/query';
import { ScriptClient } from './postgres/pgboss/script-client';

/** One numbers.mjs process: its first line, then request/answer lines. */
class Boss extends ScriptClient<{ ids: Record<string, string>; pid?: number }> {
  constructor(major: number, url: string, schema: string, role?: 'worker') {
    super(
      'numbers.mjs',
      [String(major), url, schema, ...(role ? [role] : [])],
      (code, signal, stderr) => new Error(`pg-boss ${major} exited ${code ?? signal}: ${stderr}`)
    );
    this.ready.catch(() => undefined);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = new Promise((r) => this.child.once('exit', r));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.call('stop').catch(() => undefined), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 3000)))]);
    clearTimeout(timer);
    this.child.kill('SIGKILL');
  }
}

let db: TestDb;
const bosses = new Map<number, Boss>();
const ids = new Map<number, Record<string, string>>();

beforeAll(async () => {
  db = await createTestDb();
  for (const major of [10, 11, 12]) {
    bosses.set(major, new Boss(major, db.url, `numbers_v${major}`));
  }
  for (const [major, boss] of bosses) {
    ids.set(major, (await boss.ready).ids);
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([...bosses.values()].map((b) => b.stop()));
  await db?.drop();
});

describe.each([10, 11, 12])('pg-boss %i', (major) => {
  let source: PostgresSource;
  let boss: Boss;
  const schema = `numbers_v${major}`;
  beforeAll(() => {
    boss = bosses.get(major)!;
    source = pgSource(db, { schemas: schema });
  });
  afterAll(() => source?.close());

  const overview = async (queues: string[]) => {
    const r = await source.read({ refId: 'A', queryType: 'overview', queues }, lastHour());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    return {
      values: (q: string) => r.stats.find((s) => s.queue === q)!.values,
      notices: r.notices.map((n) => n.text).join('\n'),
    };
  };
  const jobs = async (state: JobState, queues: string[]) => {
    const r = await source.read({ refId: 'A', queryType: 'jobs', state, queues, limit: 50 }, lastHour());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    return r.rows;
  };

  it('counts the oldest wait from when a job became runnable, not from a startAfter in the past', async () => {
    const own = await boss.call('getJobById', 'late', ids.get(major)!.backdated);
    const createdOn = new Date(own.createdOn).getTime();
    expect(createdOn - new Date(own.startAfter).getTime()).toBeGreaterThan(3 * 3600_000 - 60_000);
    const { values } = await overview(['late']);
    const oldest = values('late').oldest_wait_seconds!;
    expect(values('late').wait).toBe(1);
    expect(Math.abs(oldest - (Date.now() - createdOn) / 1000)).toBeLessThan(5);
    if (major === 12) {
      // pg-boss 12's own gauge, from a monitor pass it runs now (whole seconds).
      const readyOldest = await boss.call<number>('readyOldestSeconds', 'late');
      expect(readyOldest).toBeLessThan(120);
      expect(Math.abs(readyOldest - oldest)).toBeLessThanOrEqual(5);
    }
  });

  it('counts a dead-lettered job once: failed on its queue, dead in the dead-letter queue that holds its copy', async () => {
    const orderId = ids.get(major)!.order;
    expect((await boss.call('getQueue', 'orders')).deadLetter).toBe('orders_dlq');
    expect((await boss.call('getJobById', 'orders', orderId)).state).toBe('failed');
    const { values, notices } = await overview(['orders', 'orders_dlq']);
    expect(values('orders')).toMatchObject({ failed: 1, failed_in_range: 1, dead: 0, wait: 0 });
    expect(values('orders_dlq')).toMatchObject({ wait: 0, delayed: 0, dead: 1, failed: 0 });
    expect(values('orders_dlq').oldest_wait_seconds).toBeUndefined();
    // pg-boss counts the copy as queued in orders_dlq: here it is that queue's dead letter.
    expect(await boss.call('queued', 'orders_dlq')).toBe(values('orders_dlq').dead);
    expect(notices).toContain(`"orders_dlq" is the dead-letter queue of "orders"`);

    expect((await jobs('failed', ['orders'])).map((r) => r.id)).toEqual([orderId]);
    expect(await jobs('dead', ['orders'])).toEqual([]);
    expect(await jobs('waiting', ['orders_dlq'])).toEqual([]);
    const [copy] = await jobs('dead', ['orders_dlq']);
    const ownCopy = await boss.call('getJobById', 'orders_dlq', copy.id);
    const original = await boss.call('getJobById', 'orders', orderId);
    expect(ownCopy.state).toBe('created');
    expect(ownCopy.data).toEqual(original.data);
    expect(JSON.parse(copy.payload!.preview)).toEqual(original.data);
  });

  it(
    major === 11
      ? 'fails a job sent with a deadLetter option on its own queue: pg-boss 11 has no per-job deadLetter, so it is dead there'
      : 'counts a job dead-lettered through its own deadLetter option once: failed on its queue, dead beside the ordinary jobs of the queue holding its copy',
    async () => {
      const { perJob, reviewWait } = ids.get(major)!;
      const original = await boss.call('getJobById', 'checkout', perJob);
      expect(original.state).toBe('failed');
      expect((await boss.call('getQueue', 'checkout')).deadLetter ?? null).toBeNull();
      const { values, notices } = await overview(['checkout', 'review']);
      const ownQueued = await boss.call<number>('queued', 'review');
      if (major === 11) {
        // createJob drops the option: the job names no dead-letter queue and nothing is copied.
        expect(original.deadLetter ?? null).toBeNull();
        expect(values('checkout')).toMatchObject({ failed: 1, dead: 1 });
        expect(values('review')).toMatchObject({ wait: 1, dead: 0 });
        expect(ownQueued).toBe(1);
        expect((await jobs('dead', ['checkout'])).map((r) => r.id)).toEqual([perJob]);
        expect(notices).toContain('pg-boss 11 names dead-letter queues per queue only');
        return;
      }
      expect(original.deadLetter).toBe('review');
      expect(values('checkout')).toMatchObject({ failed: 1, failed_in_range: 1, dead: 0 });
      // pg-boss counts the copy as queued in review, beside the job sent there: one each here.
      expect(values('review')).toMatchObject({ wait: 1, delayed: 0, dead: 1, failed: 0 });
      expect(values('review').wait! + values('review').dead!).toBe(ownQueued);
      expect(values('review').oldest_wait_seconds).toBeLessThan(300);
      expect(notices).toContain(`"review" holds 1 queued dead letter(s), copies pg-boss made of failed jobs`);

      expect(await jobs('dead', ['checkout'])).toEqual([]);
      expect((await jobs('failed', ['checkout'])).map((r) => r.id)).toEqual([perJob]);
      expect((await jobs('waiting', ['review'])).map((r) => r.id)).toEqual([reviewWait]);
      const [copy, ...more] = await jobs('dead', ['review']);
      expect(more).toEqual([]);
      const ownCopy = await boss.call('getJobById', 'review', copy.id);
      expect(ownCopy.state).toBe('created');
      expect(ownCopy.data).toEqual(original.data);
      if (major === 12) {
        // 12.23+ stamps the copy with its source (dead-letter provenance).
        expect([ownCopy.sourceName, ownCopy.sourceId]).toEqual(['checkout', perJob]);
      }
    }
  );

  if (major !== 12) {
    it(`says pg-boss ${major} keeps no worker registry (no workers value)`, async () => {
      const { values, notices } = await overview(['orders']);
      expect(values('orders').workers).toBeUndefined();
      expect(notices).toMatch(/keeps no worker registry, so workers is not reported/);
    });
    return;
  }

  it("reads the trace id from pg-boss 12's trace_context", async () => {
    const [row] = await jobs('waiting', ['traced']);
    expect(row.id).toBe(ids.get(12)!.traced);
    expect(row.traceId).toBe(ids.get(12)!.traceId);
    // The copy in the dead-letter queue carries the original's context too.
    const [copy] = await jobs('dead', ['orders_dlq']);
    const [{ trace_context: tc }] = (
      await db.admin.query(`SELECT trace_context FROM ${schema}.job WHERE id = $1`, [ids.get(12)!.order])
    ).rows;
    expect(copy.traceId).toBe(tc.traceparent.split('-')[1]);
  });

  it("counts live workers per queue from pg-boss 12's instance registry, a SIGKILLed instance dropping out", async () => {
    const liveOn = async (queue: string) =>
      (await boss.call<any[]>('getInstances')).filter((i) => i.live && i.workers.some((w: any) => w.queue === queue))
        .length;
    const second = new Boss(12, db.url, schema, 'worker');
    try {
      const { pid } = await second.ready;
      await until(async () => (await liveOn('reports')) === 2, 'two live instances working reports');
      expect((await overview(['reports', 'late'])).values('reports').workers).toBe(2);
      process.kill(pid!, 'SIGKILL');
      // pg-boss's own rule: live until three heartbeats (1 s here) are missed.
      await until(async () => (await liveOn('reports')) === 1, 'the killed instance to stop being live');
      const { values, notices } = await overview(['reports', 'late']);
      expect(values('reports').workers).toBe(1);
      expect(values('late').workers).toBe(0);
      expect(notices).toMatch(/workers = live PgBoss instances/);
      const r = await source.read({ refId: 'A', queryType: 'workers', queues: ['reports'] }, lastHour());
      if (r.type !== 'workers') {
        throw new Error(r.type);
      }
      expect(r.rows.map((w) => w.alive).sort()).toEqual([false, true]);
    } finally {
      await second.stop();
    }
  }, 60_000);
});

it("answers through the packaged executable, as Grafana runs it, with the queue's and a job's own dead letter each counted once and pg-boss 12's workers", async () => {
  const { startPlugin } = await import('../harness/plugin-process');
  const { GrafanaClient } = await import('../harness/grpc-client');
  const { decodeFrame, readNumeric } = await import('../harness/grafana-frames');
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    const ro = await db.readOnlyRole(['numbers_v12']);
    const ds = roleDatasource(db, ro, `pg-${db.name}-numbers`, { schemas: 'numbers_v12' });
    const responses = await grafana.queryData(
      ds,
      [
        {
          refId: 'A',
          json: { queryType: 'overview', queues: ['orders', 'orders_dlq', 'checkout', 'review', 'late', 'reports'] },
        },
      ],
      {
        FromAlert: 'true',
      }
    );
    expect(responses.A.status).toBe(200);
    const values = readNumeric(responses.A.frames.map(decodeFrame));
    const get = (queue: string, metric: string) =>
      values.find((v) => v.labels.queue === queue && v.metric === metric)?.value;
    expect([
      get('orders', 'failed'),
      get('orders', 'dead'),
      get('orders_dlq', 'wait'),
      get('orders_dlq', 'dead'),
    ]).toEqual([1, 0, 0, 1]);
    // The job dead-lettered through its own deadLetter option: failed on checkout, dead in review.
    expect([get('checkout', 'failed'), get('checkout', 'dead'), get('review', 'wait'), get('review', 'dead')]).toEqual([
      1, 0, 1, 1,
    ]);
    expect(get('reports', 'workers')).toBe(1);
    expect(get('late', 'oldest_wait_seconds')).toBeLessThan(300);
  } finally {
    grafana.close();
    plugin.kill();
  }
}, 60_000);
