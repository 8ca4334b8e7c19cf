/**
 * RQ, both layouts for real (Debian's RQ 1.13 and PyPI's 2.x+), in Redis db 11: states made
 * by RQ itself (real exceptions, a Retry, a worker SIGKILLed mid-job, jobs no worker takes,
 * enqueue_in), read by the adapter in-process and by the packaged executable over gRPC, and
 * compared with RQ's own numbers (parity.py) on the same state.
 * One file on purpose: RQ has no namespace before 3.x, so these tests own the whole db.
 */
import type Redis from 'ioredis';
import { RQSystem } from '../../pkg/kinds/redis/systems/rq/rq';
import { TIE_MARGIN } from '../../pkg/kinds/redis/systems/rq/newest-ended';
import { readContext } from '../support/read-context';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { everyQueryType, runAsReadOnlyUser } from '../support/read-only';
import { hasEnded } from './rq/horse';
import { runBurstWorker } from './rq/burst-worker';
import { FLAVOURS, flushRqDb, makeRqState, RQ_URL, RqState, rqNumbers, rqRedis } from './rq/rq-state';

const METRICS = ['wait', 'active', 'stalled', 'failed', 'completed', 'delayed', 'waiting_children'] as const;

let plugin: PluginProcess;
let grafana: GrafanaClient;
let redis: Redis;
const rq = new RQSystem();

beforeAll(async () => {
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  redis = rqRedis();
});

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  redis?.disconnect();
  await flushRqDb();
});

describe.each(FLAVOURS.map((f) => [f.label, f] as const))('%s', (_label, flavour) => {
  let state: RqState;
  const ds: DatasourceSettings = {
    uid: `ds-rq-${flavour.label.replace(/\W+/g, '-')}`,
    jsonData: { kind: 'redis', url: RQ_URL },
  };

  beforeAll(async () => {
    state = await makeRqState(flavour);
  }, 90_000);

  it('leaves no work horse of the SIGKILLed worker running (the horse calls setsid, so the group kill misses it)', () => {
    expect(state.killedHorses.length).toBeGreaterThan(0);
    expect(state.killedHorses.filter((pid) => !hasEnded(pid))).toEqual([]);
  });

  it('discovers the queues of rq:queues', async () => {
    const ctx = readContext(redis);
    expect(await rq.discover(ctx)).toEqual({ queues: ['bulk', 'orders', 'reports', 'slow'], complete: true });
  });

  it("matches RQ's own counts for every queue (in-process and through the packaged executable)", async () => {
    const ctx = readContext(redis);
    const queues = (await rq.discover(ctx)).queues;
    const stats = await rq.overview(ctx, queues);
    const responses = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview', system: 'rq' } }]);
    expect(responses.A.error).toBeFalsy();
    const wire = readNumeric(responses.A.frames.map(decodeFrame));
    const lib = await rqNumbers(flavour);
    expect(Object.keys(lib.queues).sort()).toEqual(queues);
    for (const s of stats) {
      const theirs = lib.queues[s.queue];
      for (const m of METRICS) {
        expect({ queue: s.queue, m, v: s.values[m] }).toEqual({ queue: s.queue, m, v: theirs[m] });
        const w = wire.find((x) => x.labels.queue === s.queue && x.metric === m);
        expect({ queue: s.queue, m, wire: w?.value, labels: w?.labels }).toEqual({
          queue: s.queue,
          m,
          wire: theirs[m],
          labels: { system: 'rq', queue: s.queue, metric: m },
        });
      }
      expect({ queue: s.queue, workers: s.values.workers }).toEqual({ queue: s.queue, workers: theirs.workers.length });
      if (theirs.oldest_enqueued_at) {
        const age = (ctx.now - theirs.oldest_enqueued_at * 1000) / 1000;
        expect(s.values.oldest_wait_seconds).toBeCloseTo(age, 2);
      } else {
        expect(s.values.oldest_wait_seconds).toBe(0);
      }
    }
    // the state itself, so a broken producer cannot make the comparison vacuous
    const by = Object.fromEntries(stats.map((s) => [s.queue, s.values]));
    expect(by.orders).toMatchObject({
      wait: 0,
      active: 0,
      failed: 3,
      completed: 3,
      delayed: 2,
      retries: 1,
      waiting_children: 1,
      failed_in_range: 3,
      queue_paused: 0,
    });
    expect(by.reports).toMatchObject({ wait: 4, delayed: 1, retries: 0, workers: 0 });
    expect(by.slow).toMatchObject({ wait: 0, active: 1, stalled: 0, workers: 1 });
    expect(by.reports.oldest_wait_seconds).toBeGreaterThan(0);
  });

  it("counts the SIGKILLed worker's job as stalled once its heartbeat has expired, as StartedJobRegistry does", async () => {
    const later = Date.now() + 200_000; // RQ's heartbeat ttl is at least 60 s past the job's last heartbeat
    const ctx = readContext(redis, { now: later, from: later - 3600_000, to: later });
    const [slow] = await rq.overview(ctx, ['slow']);
    const lib = await rqNumbers(flavour, later / 1000);
    expect(slow.values.stalled).toBe(1);
    expect(slow.values.stalled).toBe(lib.queues.slow.stalled);
    expect(slow.values.active).toBe(1);
    const rows = await rq.jobs(ctx, ['slow'], { state: 'stalled' });
    expect(rows.map((r) => [r.id, r.state, r.name])).toEqual([[state.ids.slow[0], 'stalled', 'tasks.slow']]);
    expect((await rq.jobs(readContext(redis), ['slow'], { state: 'stalled' })).length).toBe(0);
  });

  it('groups real failures by exception class', async () => {
    const groups = await rq.failures(readContext(redis), ['orders']);
    expect(groups.map((g) => [g.reason, g.count])).toEqual([
      ['tasks.PaymentDeclined: card declined for order <n>', 2],
      ['ZeroDivisionError: division by zero', 1],
    ]);
    expect(state.ids.declined).toContain(groups[0].exampleJobId);
    expect(groups[0].firstSeen).toBeLessThanOrEqual(groups[0].lastSeen!);
  });

  it("lists jobs per state with RQ's own ids, errors, stack traces and payloads shown as hex", async () => {
    const ctx = readContext(redis);
    const lib = (await rqNumbers(flavour)).queues;
    const ids = async (state: any, queues = ['orders']) =>
      (await rq.jobs(ctx, queues, { state })).map((r) => r.id).sort();
    expect(await ids('failed')).toEqual(lib.orders.failed_ids);
    expect(await ids('dead')).toEqual(lib.orders.failed_ids);
    expect(await ids('completed')).toEqual(lib.orders.finished_ids);
    expect(await ids('delayed')).toEqual(lib.orders.scheduled_ids);
    expect(await ids('retry')).toEqual(state.ids.retried);
    expect(await ids('active', ['slow'])).toEqual(lib.slow.started_ids);
    expect((await rq.jobs(ctx, ['reports'], { state: 'waiting' })).map((r) => r.id)).toEqual(lib.reports.waiting_ids);

    const failed = await rq.jobs(ctx, ['orders'], { state: 'failed' });
    const zero = failed.find((r) => r.id === state.ids.zero[0])!;
    expect(zero).toMatchObject({
      state: 'failed',
      error: 'ZeroDivisionError: division by zero',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
    expect(zero.stacktrace).toMatch(/^Traceback \(most recent call last\):[\s\S]*ZeroDivisionError: division by zero/);
    expect(zero.payload).toMatchObject({ kind: 'pickle', truncated: false });
    expect(zero.payload!.preview).toMatch(/^80[0-9a-f]+$/);
    expect(zero.createdAt).toBeLessThanOrEqual(zero.processedAt!);
    expect(zero.processedAt).toBeLessThanOrEqual(zero.finishedAt!);
    const completed = await rq.jobs(ctx, ['orders'], { state: 'completed' });
    expect(completed.filter((r) => r.traceId).map((r) => [r.id, r.traceId])).toEqual([
      [state.ids.ok[0], '0af7651916cd43dd8448eb211c80319c'],
    ]);
    const retry = (await rq.jobs(ctx, ['orders'], { state: 'retry' }))[0];
    expect(retry).toMatchObject({ id: state.ids.retried[0], state: 'retry', name: 'tasks.charge' });
    expect(
      failed
        .filter((r) => /PaymentDeclined/.test(r.error ?? ''))
        .map((r) => r.id)
        .sort()
    ).toEqual([...state.ids.declined].sort());
    const found = await rq.jobs(ctx, ['orders'], { state: 'failed', search: 'ZERODIVISION' });
    expect(found.map((r) => r.id)).toEqual(state.ids.zero);
  });

  it('keeps the newest failed and finished jobs by end time under a limit (registry scores are whole seconds)', async () => {
    for (const state of ['failed', 'completed'] as const) {
      const all = await rq.jobs(readContext(redis), ['orders'], { state });
      const ends = all.map((r) => r.finishedAt!);
      expect(ends.every((t) => typeof t === 'number')).toBe(true);
      expect(ends).toEqual([...ends].sort((a, b) => b - a));
      for (let n = 1; n < all.length; n++) {
        const limited = await rq.jobs(readContext(redis, { limit: n }), ['orders'], { state });
        expect({ state, n, ids: limited.map((r) => r.id) }).toEqual({
          state,
          n,
          ids: all.slice(0, n).map((r) => r.id),
        });
      }
    }
  });

  it('shows the first bytes of a 3 MB payload (as stored, hex), with its full size', async () => {
    const ctx = readContext(redis);
    const [bulk] = await rq.jobs(ctx, ['bulk'], { state: 'waiting' });
    expect(bulk.id).toBe(state.ids.bulk[0]);
    expect(bulk.payload!.bytes).toBeGreaterThan(3 * 1024 * 1024);
    expect(bulk.payload!.truncated).toBe(true);
    // Over 1 MB inflated, so shown as stored: the first payloadLimit/2 bytes as hex.
    const stored = (await redis.hgetBuffer(`rq:job:${bulk.id}`, 'data'))!;
    expect(bulk.payload!.preview).toBe(stored.subarray(0, ctx.payloadLimit / 2).toString('hex'));
  });

  it('builds completed/failed series from the jobs RQ still keeps, and says so', async () => {
    const ctx = readContext(redis);
    const series = await rq.throughput(ctx, ['orders']);
    const sum = (m: string) => series.find((s) => s.metric === m)!.values.reduce((a, b) => a + b, 0);
    expect([sum('completed'), sum('failed')]).toEqual([3, 3]);
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/RQ keeps no throughput history/);
  });

  it('lists workers as Worker.all(queue) finds them, the killed one still registered until its key expires', async () => {
    const lib = (await rqNumbers(flavour)).queues;
    const rows = await rq.workers(readContext(redis), ['slow', 'orders', 'reports']);
    expect(rows.map((w) => w.name)).toEqual(lib.slow.workers);
    expect(rows[0]).toMatchObject({ name: state.killedWorker, queues: ['slow'], busy: 1, alive: true });
    expect(rows[0].pid).toBeGreaterThan(0);
    const responses = await grafana.queryData(ds, [{ refId: 'W', json: { queryType: 'workers', system: 'rq' } }]);
    const frame = decodeFrame(responses.W.frames[0]);
    expect(frame.fields.find((f) => f.name === 'name')!.values).toEqual([state.killedWorker]);
  });

  it('answers a jobs query through the packaged executable', async () => {
    const responses = await grafana.queryData(ds, [
      { refId: 'J', json: { queryType: 'jobs', system: 'rq', queues: ['orders'], state: 'failed' } },
    ]);
    expect(responses.J.error).toBeFalsy();
    const frame = decodeFrame(responses.J.frames[0]);
    const col = (name: string) => frame.fields.find((f) => f.name === name)!.values;
    expect([...(col('id') as string[])].sort()).toEqual([...state.ids.declined, ...state.ids.zero].sort());
    expect(col('payload_kind')).toEqual(['pickle', 'pickle', 'pickle']);
    expect(col('system')).toEqual(['rq', 'rq', 'rq']);
  });

  it('answers every query type as a read-only ACL user, and MONITOR sees no write command', async () => {
    const report = await runAsReadOnlyUser({ kind: 'redis', url: RQ_URL }, everyQueryType({ system: 'rq' }));
    expect(report.errors).toEqual({});
    expect(report.commands).toEqual(
      expect.arrayContaining([
        'llen',
        'lindex',
        'zcard',
        'zcount',
        'zrevrangebyscore',
        'hmget',
        'hstrlen',
        'xrevrange',
        'sscan',
        'smembers',
      ])
    );
    expect(report.writes).toEqual([]);
    // and RQ's state is untouched: the abandoned job is still in the started registry
    expect(await redis.zcard('rq:wip:slow')).toBe(1);
  });
});

describe('the state builder', () => {
  it('fails a burst worker that ends before finishing its jobs, saying how it ended', async () => {
    await flushRqDb();
    await redis.rpush('rq:queue:orders', 'a-job-never-run');
    const flavour = FLAVOURS[FLAVOURS.length - 1];
    const run = runBurstWorker(flavour.rq, RQ_URL, 'orders', redis, {
      cwd: __dirname,
      timeoutMs: 60_000,
      extraArgs: ['--worker-class', 'no_such_module.Worker'],
    });
    await expect(run).rejects.toThrow(
      /rq worker --burst orders exited with code 1, signal null, leaving 1 queued and 0 started/
    );
  });
});

describe('jobs ending in one second', () => {
  // Failed registries as RQ writes them (score: expiry in whole seconds), with ids ordered
  // against end times, so Redis's order of a tie (by member) is the oldest first.
  async function tiedFailures(queue: string, count: number, at: number): Promise<void> {
    const p = redis.pipeline();
    for (let i = 0; i < count; i++) {
      const id = `${queue}-${String(i).padStart(3, '0')}`;
      p.zadd(`rq:failed:${queue}`, String(Math.floor(at / 1000) + 3600), id);
      p.hset(`rq:job:${id}`, { status: 'failed', origin: queue, ended_at: new Date(at - i).toISOString() });
    }
    await p.exec();
  }

  beforeAll(async () => {
    await flushRqDb();
    const second = Math.floor(Date.now() / 1000) * 1000 - 5000;
    await tiedFailures('tied', 150, second + 999);
    await tiedFailures('wide', TIE_MARGIN + 60, second + 999);
  });

  it('lists the newest by ended_at when the whole tie band fits the margin', async () => {
    const ctx = readContext(redis, { limit: 3 });
    expect((await rq.jobs(ctx, ['tied'], { state: 'failed' })).map((r) => r.id)).toEqual([
      'tied-000',
      'tied-001',
      'tied-002',
    ]);
    expect(ctx.notices).toEqual([]);
  });

  it('reads a bounded margin of a wider band, ranks what it read, and says so', async () => {
    const ctx = readContext(redis, { limit: 3 });
    const rows = await rq.jobs(ctx, ['wide'], { state: 'failed' });
    // ZREVRANGEBYSCORE returns the band from the highest member down: wide-259 .. wide-057
    expect(rows.map((r) => r.id)).toEqual(['wide-057', 'wide-058', 'wide-059']);
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/wide: over 203 failed jobs share one expiry second/);
  });
});

describe('bad data', () => {
  beforeAll(async () => {
    await flushRqDb();
    await redis.sadd('rq:queues', 'rq:queue:broken', 'rq:queue:gone', 'not-a-queue-key');
    await redis.set('rq:queue:broken', 'a string, not a list');
    await redis.set('rq:failed:broken', 'a string, not a sorted set');
    await redis.zadd('rq:failed:gone', String(Date.now() / 1000 + 3600), 'missing-job');
    await redis.zadd('rq:wip:gone', String(Date.now() / 1000 + 3600), 'damaged:0123456789abcdef0123456789abcdef');
    await redis.hset('rq:job:damaged', {
      status: 'started',
      started_at: 'yesterday',
      data: Buffer.from([0x78, 0x9c, 0xff, 0x00, 0x01]),
      exc_info: 'not zlib',
    });
    await redis.sadd('rq:workers:gone', 'rq:worker:expired-long-ago');
  });

  it('answers with what it can read and notices for the rest, never throwing', async () => {
    const ctx = readContext(redis);
    const { queues } = await rq.discover(ctx);
    expect(queues).toEqual(['broken', 'gone']);
    const stats = await rq.overview(ctx, queues);
    expect(stats.find((s) => s.queue === 'gone')!.values).toMatchObject({
      wait: 0,
      failed: 1,
      active: 1,
      workers: 0,
      failed_in_range: 0,
    });
    expect(stats.find((s) => s.queue === 'broken')!.values.wait).toBeUndefined();
    expect(ctx.notices.some((n) => /broken: queue: WRONGTYPE/.test(n.text))).toBe(true);
    const active = await rq.jobs(ctx, ['gone'], { state: 'active' });
    expect(active).toEqual([expect.objectContaining({ id: 'damaged', state: 'active', processedAt: undefined })]);
    expect(active[0].payload!.kind).toBe('binary');
    expect(await rq.jobs(ctx, ['gone', 'broken'], { state: 'failed' })).toEqual([]);
    expect(await rq.failures(ctx, queues)).toEqual([]);
    expect(await rq.workers(ctx, queues)).toEqual([]);
    await expect(rq.throughput(ctx, queues)).resolves.toHaveLength(4);
  });
});
