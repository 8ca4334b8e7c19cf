/**
 * Sidekiq 7.x and 8.x cannot be installed here (Debian ships 6.4), so their layouts are
 * written byte for byte as those versions write them, under a redis-namespace prefix (the
 * `sidekiqNamespace` setting), in the shared test database. Sources read (sidekiq/sidekiq):
 *  - v8.1.7 lib/sidekiq/client.rb:293-298 enqueued_at = CLOCK_REALTIME :millisecond;
 *    job_util.rb:61-66 created_at = now_in_millis (integer ms). v7.3.10 client.rb:278-280
 *    and job_util.rb:61 still write Time.now.to_f (float seconds).
 *  - v8.1.7 launcher.rb:155-185 `<identity>:work` hash tid → JSON, EXPIRE 60; process hash
 *    HSET info, concurrency, busy, beat (Time.now.to_f), rtt_us, quiet, rss; EXPIRE 60.
 *    launcher.rb:255-274 info: hostname, started_at, pid, tag, capsules {name: {concurrency,
 *    mode, weights}}, queues (deprecated, "remove in 9.0"), weights, labels, identity,
 *    version, embedded — no concurrency in info any more. v7.0.0 launcher.rb:141-166 `:work`
 *    and info with concurrency. v6.4 launcher.rb: `<identity>:workers`.
 *  - processor.rb (all) WORK_STATE.set(tid, {queue:, payload: jobstr, run_at: Time.now.to_i}).
 *  - v8.1.7 job_retry.rb:160-178 error_message, error_class, failed_at/retried_at = now_ms,
 *    retry_count, error_backtrace = [Zlib::Deflate.deflate(json)].pack("m0"); :206 ZADD retry
 *    (Time.now.to_f + delay); :290 ZADD dead now.to_f (scores stay seconds).
 *  - v7.3.10 metrics/tracking.rb:64 `j|%Y%m%d|%-H:%-M`; v8.1.7 tracking.rb `j|%y%m%d|%-H:%M`
 *    per minute and `[0..-2]` of it per 10 minutes; fields "<Class>|p", "<Class>|f", "<Class>|ms".
 */
import { deflateSync } from 'zlib';
import Redis from 'ioredis';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { deletePrefix, REDIS_URL, testRedis, uniquePrefix } from '../support/redis';
import { readContext } from '../support/read-context';
import { SidekiqSystem } from '../../pkg/kinds/redis/systems/sidekiq/sidekiq';
import { epochMs } from '../../pkg/kinds/redis/systems/sidekiq/keys';
import { backtrace } from '../../pkg/kinds/redis/systems/sidekiq/job-record';

let redis: Redis;
const namespaces: string[] = [];

beforeAll(() => {
  redis = testRedis();
});

afterAll(async () => {
  for (const ns of namespaces) {
    await deletePrefix(ns);
  }
  redis?.disconnect();
});

function ns(name: string): string {
  const n = uniquePrefix(name);
  namespaces.push(n);
  return n;
}

const compress = (lines: string[]) => deflateSync(JSON.stringify(lines)).toString('base64');
const jid = (n: number) => n.toString(16).padStart(24, '0');

/** A Sidekiq 8 or 7 state: the only differences are the timestamps, work key spelling and metrics keys. */
async function writeState(prefix: string, version: 7 | 8, now: number) {
  const k = (key: string) => `${prefix}:${key}`;
  const t = (ms: number) => (version === 8 ? Math.round(ms) : ms / 1000);
  const job = (n: number, queue: string, klass: string, extra: object = {}) =>
    JSON.stringify({
      retry: true,
      queue,
      args: [n],
      class: klass,
      jid: jid(n),
      created_at: t(now - 120_000),
      enqueued_at: t(now - 90_000 + n),
      ...extra,
    });
  await redis.sadd(k('queues'), 'default', 'mail');
  // LPUSH: the oldest job ends up at the right (index -1).
  await redis.lpush(k('queue:default'), job(1, 'default', 'HardJob'), job(2, 'default', 'HardJob'));
  await redis.lpush(
    k('queue:mail'),
    job(3, 'mail', 'MailJob', { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })
  );
  await redis.zadd(k('schedule'), now / 1000 + 600, job(4, 'default', 'HardJob'));
  const failed = {
    retry_count: 0,
    error_class: 'Net::ReadTimeout',
    error_message: 'timed out after 5 s',
    failed_at: t(now - 30_000),
    error_backtrace: compress(['app/jobs/hard_job.rb:7:in `perform`']),
  };
  await redis.zadd(
    k('retry'),
    now / 1000 + 30,
    job(5, 'default', 'HardJob', failed),
    now / 1000 + 40,
    job(6, 'mail', 'MailJob', failed)
  );
  await redis.zadd(
    k('dead'),
    now / 1000 - 10,
    job(7, 'default', 'HardJob', { ...failed, retry_count: 25, retried_at: t(now - 10_000) })
  );
  await redis.set(k('stat:processed'), 100);
  await redis.set(k('stat:failed'), 7);
  const identity = `web-1:4242:${version}abc`;
  const info =
    version === 8
      ? {
          hostname: 'web-1',
          started_at: now / 1000 - 3600,
          pid: 4242,
          tag: 'app',
          capsules: { default: { concurrency: 5, mode: 'strict', weights: { default: 0, mail: 0 } } },
          queues: ['default', 'mail'],
          weights: [{ default: 0, mail: 0 }],
          labels: [],
          identity,
          version: '8.1.7',
          embedded: false,
        }
      : {
          hostname: 'web-1',
          started_at: now / 1000 - 3600,
          pid: 4242,
          tag: 'app',
          concurrency: 5,
          queues: ['default', 'mail'],
          weights: [{ default: 0, mail: 0 }],
          labels: [],
          identity,
          version: '7.3.10',
          embedded: false,
        };
  await redis.sadd(k('processes'), identity);
  await redis.hset(
    k(identity),
    'info',
    JSON.stringify(info),
    ...(version === 8 ? ['concurrency', '5'] : []),
    'busy',
    '1',
    'beat',
    String(now / 1000 - 2),
    'rtt_us',
    '120',
    'quiet',
    'false',
    'rss',
    '1000'
  );
  await redis.hset(
    k(`${identity}:work`),
    'tid-1',
    JSON.stringify({ queue: 'default', payload: job(8, 'default', 'HardJob'), run_at: Math.floor(now / 1000) - 5 })
  );
  // Per-minute metrics of the current minute (and 8.x's 10-minute roll-up, which must not be added again).
  const d = new Date(now);
  const ymd = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const fields = { 'HardJob|p': 7, 'HardJob|f': 2, 'HardJob|ms': 350, 'MailJob|p': 3 };
  if (version === 8) {
    const minute = `${ymd.slice(2)}|${d.getUTCHours()}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
    await redis.hset(k(`j|${minute}`), fields);
    await redis.hset(k(`j|${minute.slice(0, -1)}`), fields);
  } else {
    await redis.hset(k(`j|${ymd}|${d.getUTCHours()}:${d.getUTCMinutes()}`), fields);
  }
  return { identity };
}

describe.each([8, 7] as const)('Sidekiq %i layout', (version) => {
  const prefix = ns(`sk${version}`);
  const system = new SidekiqSystem(prefix);
  const now = Date.now();
  let identity: string;

  beforeAll(async () => {
    ({ identity } = await writeState(prefix, version, now));
  });

  it('reads queue sizes, latency from the version’s timestamps, running jobs and the global sets', async () => {
    const ctx = readContext(redis, { now });
    expect(system.describe).toBe(`Sidekiq under namespace "${prefix}"`);
    const queues = (await system.discover(ctx)).queues;
    expect(queues).toEqual(['default', 'mail']);
    const stats = Object.fromEntries((await system.overview(ctx, queues)).map((s) => [s.queue, s.values]));
    // The oldest default job is jid 1, enqueued 90 s - 1 ms before `now`.
    expect(stats.default.oldest_wait_seconds).toBeCloseTo(89.999, 2);
    expect(stats.default).toMatchObject({ wait: 2, active: 1, stalled: 0, workers: 1 });
    expect(stats.mail).toMatchObject({ wait: 1, active: 0, stalled: 0, workers: 1 });
    expect(stats['*']).toEqual({ delayed: 1, retries: 2, dead: 1, completed: 93, failed: 7 });
  });

  it('lists jobs with times in ms, the decompressed backtrace and the trace id', async () => {
    const ctx = readContext(redis, { now, from: now - 3600_000, to: now });
    const [retry] = await system.jobs(ctx, ['default'], { state: 'retry' });
    expect(retry).toMatchObject({
      id: jid(5),
      name: 'HardJob',
      attempts: 1,
      error: 'Net::ReadTimeout: timed out after 5 s',
      stacktrace: 'app/jobs/hard_job.rb:7:in `perform`',
      createdAt: expect.closeTo(now - 120_000, 0),
      finishedAt: expect.closeTo(now - 30_000, 0),
    });
    const [dead] = await system.jobs(ctx, ['default'], { state: 'dead' });
    expect(dead).toMatchObject({ id: jid(7), attempts: 26, finishedAt: expect.closeTo(now - 10_000, 0) });
    const [mail] = await system.jobs(ctx, ['mail'], { state: 'waiting' });
    expect(mail).toMatchObject({ id: jid(3), traceId: '0af7651916cd43dd8448eb211c80319c' });
    const [active] = await system.jobs(ctx, ['default'], { state: 'active' });
    expect(active).toMatchObject({ id: jid(8), state: 'active', processedAt: (Math.floor(now / 1000) - 5) * 1000 });
    const failed = await system.jobs(ctx, ['default', 'mail'], { state: 'failed' });
    expect(failed.map((r) => r.id)).toEqual([jid(7), jid(5), jid(6)]); // newest failure first
    const groups = await system.failures(ctx, ['default', 'mail']);
    expect(groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
      ['default', 'Net::ReadTimeout: timed out after <n> s', 2],
      ['mail', 'Net::ReadTimeout: timed out after <n> s', 1],
    ]);
  });

  it('reads the process, its concurrency wherever the version keeps it', async () => {
    const ctx = readContext(redis, { now });
    expect(await system.workers(ctx, ['mail'])).toEqual([
      {
        name: identity,
        host: 'web-1',
        pid: 4242,
        queues: ['default', 'mail'],
        busy: 1,
        concurrency: 5,
        lastHeartbeat: expect.closeTo(now - 2000, 0),
        alive: true,
        startedAt: expect.closeTo(now - 3600_000, 0),
      },
    ]);
  });

  it(`counts throughput from the ${version}.x per-minute metrics`, async () => {
    const ctx = readContext(redis, { now, from: now - 1800_000, to: now, intervalMs: 60_000 });
    const series = await system.throughput(ctx, []);
    const sum = (metric: string) => series.find((s) => s.metric === metric)!.values.reduce((a, b) => a + b, 0);
    expect(sum('completed')).toBe(8); // (7 + 3) processed − 2 failed
    expect(sum('failed')).toBe(2);
    const last = series[0].times.length - 1;
    expect(series[0].values[last]).toBe(8);
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/per-minute metrics/);
  });
});

describe('processes', () => {
  const prefix = ns('sk-procs');
  const system = new SidekiqSystem(prefix);
  const now = Date.now();
  const k = (key: string) => `${prefix}:${key}`;

  beforeAll(async () => {
    await redis.sadd(k('queues'), 'default', 'low');
    // A Sidekiq 9-style process: the deprecated info.queues is gone, capsules remain.
    await redis.sadd(k('processes'), 'new:1:a', 'frozen:2:b', 'gone:3:c');
    await redis.hset(
      k('new:1:a'),
      'info',
      JSON.stringify({ hostname: 'new', pid: 1, capsules: { default: { concurrency: 2, weights: { low: 1 } } } }),
      'concurrency',
      '2',
      'busy',
      '0',
      'beat',
      String(now / 1000 - 1),
      'quiet',
      'false'
    );
    // Stopped beating 45 s ago (frozen or killed): its hash has not expired yet.
    await redis.hset(
      k('frozen:2:b'),
      'info',
      JSON.stringify({ hostname: 'frozen', pid: 2, concurrency: 3, queues: ['default'] }),
      'busy',
      '1',
      'beat',
      String(now / 1000 - 45),
      'quiet',
      'false'
    );
    await redis.hset(
      k('frozen:2:b:work'),
      't1',
      JSON.stringify({
        queue: 'default',
        payload: JSON.stringify({ class: 'X', jid: 'stuck', queue: 'default' }),
        run_at: now / 1000 - 50,
      })
    );
    // gone:3:c has no hash at all: stopped without cleanup, as ProcessSet#cleanup would find.
  });

  it('counts a stale process’s jobs as stalled, takes queues from capsules, reports processes without a hash', async () => {
    const ctx = readContext(redis, { now });
    const stats = Object.fromEntries((await system.overview(ctx, ['default', 'low'])).map((s) => [s.queue, s.values]));
    expect(stats.default).toMatchObject({ active: 1, stalled: 1, workers: 0 });
    expect(stats.low).toMatchObject({ active: 0, stalled: 0, workers: 1 });
    expect(ctx.notices.map((n) => n.text)).toContainEqual(
      expect.stringMatching(/^1 registered Sidekiq process\(es\) have no heartbeat hash/)
    );
    const workers = await system.workers(ctx, ['default', 'low']);
    expect(workers.map((w) => [w.name, w.queues, w.alive, w.concurrency])).toEqual([
      ['frozen:2:b', ['default'], false, 3],
      ['new:1:a', ['low'], true, 2],
    ]);
    expect((await system.jobs(ctx, ['default'], { state: 'stalled' })).map((r) => r.id)).toEqual(['stuck']);
    expect((await system.jobs(ctx, ['default'], { state: 'active' })).map((r) => [r.id, r.state])).toEqual([
      ['stuck', 'stalled'],
    ]);
    // Read-only: the dead process is still registered.
    expect(await redis.sismember(k('processes'), 'gone:3:c')).toBe(1);
  });
});

describe('damaged data', () => {
  const prefix = ns('sk-bad');
  const system = new SidekiqSystem(prefix);
  const now = Date.now();
  const k = (key: string) => `${prefix}:${key}`;
  const good = JSON.stringify({ class: 'Ok', jid: 'good', queue: 'broken', args: [], enqueued_at: now / 1000 - 10 });

  beforeAll(async () => {
    await redis.sadd(k('queues'), 'broken', 'wrongtype', 'big', 'binary', 'vanished');
    await redis.lpush(k('queue:broken'), '{not json', good); // the damaged one is the oldest (index -1)
    await redis.set(k('queue:wrongtype'), 'a string, not a list');
    await redis.lpush(
      k('queue:big'),
      JSON.stringify({
        class: 'Big',
        jid: 'big',
        queue: 'big',
        args: ['x'.repeat(10 * 1024 * 1024)],
        enqueued_at: now / 1000 - 5,
      })
    );
    await redis.lpush(k('queue:binary'), Buffer.from([0x04, 0x08, 0x00, 0xff, 0xfe]));
    await redis.zadd(
      k('retry'),
      1,
      'garbage',
      2,
      JSON.stringify({
        class: 'Ok',
        jid: 'r1',
        queue: 'broken',
        error_class: 'E',
        error_message: 'm',
        failed_at: now / 1000 - 5,
      })
    );
    // A backtrace that inflates to far more than the cap (a zip bomb, 20 MB of one line).
    await redis.zadd(
      k('dead'),
      now / 1000,
      JSON.stringify({
        class: 'Ok',
        jid: 'd1',
        queue: 'broken',
        error_class: 'E',
        error_message: 'm',
        error_backtrace: deflateSync(JSON.stringify(['a'.repeat(20 * 1024 * 1024)])).toString('base64'),
      })
    );
    await redis.sadd(k('processes'), 'p:1:x');
    await redis.hset(k('p:1:x'), 'info', '{bad json', 'beat', String(now / 1000), 'busy', '2');
    await redis.hset(
      k('p:1:x:work'),
      'big',
      JSON.stringify({ queue: 'big', payload: 'y'.repeat(2 * 1024 * 1024), run_at: now / 1000 }),
      'bad',
      'not json'
    );
  });

  it('gives a partial overview with notices instead of throwing', async () => {
    const ctx = readContext(redis, { now });
    const stats = Object.fromEntries(
      (await system.overview(ctx, ['broken', 'wrongtype', 'big', 'binary', 'vanished'])).map((s) => [s.queue, s.values])
    );
    expect(stats.broken.wait).toBe(2);
    expect(stats.broken.oldest_wait_seconds).toBeUndefined(); // the oldest entry is not JSON
    expect(stats.wrongtype.wait).toBeUndefined();
    expect(stats.big.oldest_wait_seconds).toBeCloseTo(5, 0);
    expect(stats.vanished).toMatchObject({ wait: 0, oldest_wait_seconds: 0 });
    const texts = ctx.notices.map((n) => n.text).join('\n');
    expect(texts).toMatch(/wrongtype: queue:wrongtype: WRONGTYPE/);
    expect(texts).toMatch(/the oldest job records no enqueued_at/);
    expect(texts).toMatch(/p:1:x: unreadable info/);
    expect(texts).toMatch(/a running job of \d+ bytes was not read/);
  });

  it('lists damaged jobs as unreadable, huge ones by size, binary ones as hex', async () => {
    const ctx = readContext(redis, { now, payloadLimit: 64 });
    const broken = await system.jobs(ctx, ['broken'], { state: 'waiting' });
    expect(broken.map((r) => r.id)).toEqual(['(unreadable job)', 'good']);
    const [big] = await system.jobs(ctx, ['big'], { state: 'waiting' });
    expect(big.payload).toMatchObject({ truncated: true, kind: 'json' });
    expect(big.payload!.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(big.payload!.preview.length).toBeLessThanOrEqual(64);
    const [binary] = await system.jobs(ctx, ['binary'], { state: 'waiting' });
    expect(binary.payload).toMatchObject({ kind: 'marshal', preview: '040800fffe', bytes: 5 });
    const retry = await system.jobs(ctx, ['broken'], { state: 'retry' });
    expect(retry.map((r) => r.id)).toEqual(['r1']);
    expect(ctx.notices.map((n) => n.text).join('\n')).toMatch(/retry: an entry with no readable queue/);
    const [dead] = await system.jobs(ctx, ['broken'], { state: 'dead' });
    expect(dead.stacktrace).toMatch(/larger than \d+ bytes once inflated: not shown/);
  });

  it('decodes timestamps per value and backtraces in every stored form', () => {
    expect(epochMs(1740000000.25)).toBe(1740000000250);
    expect(epochMs(1740000000250)).toBe(1740000000250);
    expect(epochMs('1740000000.5')).toBe(1740000000500);
    expect(epochMs(null)).toBeUndefined();
    expect(epochMs('soon')).toBeUndefined();
    expect(backtrace(['a', 'b'])).toBe('a\nb');
    expect(backtrace(compress(['x:1', 'y:2']))).toBe('x:1\ny:2');
    // Sidekiq 6.x wrote Base64.encode64 (with newlines every 60 characters).
    expect(
      backtrace(
        deflateSync(JSON.stringify(['z'.repeat(200)]))
          .toString('base64')
          .replace(/(.{60})/g, '$1\n')
      )
    ).toBe('z'.repeat(200));
    expect(backtrace('not base64 zlib')).toBe('(unreadable compressed backtrace)');
  });
});

describe('the sidekiqNamespace setting, through the packaged executable', () => {
  const prefix = ns('sk-plugin');
  let plugin: PluginProcess;
  let grafana: GrafanaClient;

  beforeAll(async () => {
    await writeState(prefix, 8, Date.now());
    plugin = await startPlugin();
    grafana = new GrafanaClient(plugin.target);
  });

  afterAll(() => {
    grafana?.close();
    plugin?.kill();
  });

  it('reads the namespaced keys', async () => {
    const ds: DatasourceSettings = {
      uid: `ds-${prefix}`,
      jsonData: { kind: 'redis', url: REDIS_URL, sidekiqNamespace: prefix },
    };
    const { A } = await grafana.queryData(ds, [
      { refId: 'A', json: { system: 'sidekiq', metrics: ['wait', 'oldest_wait_seconds', 'dead'] } },
    ]);
    expect(A.error).toBeFalsy();
    const values = readNumeric(A.frames.map(decodeFrame));
    const get = (queue: string, metric: string) =>
      values.find((v) => v.labels.queue === queue && v.metric === metric)?.value;
    expect(get('default', 'wait')).toBe(2);
    expect(get('mail', 'wait')).toBe(1);
    expect(get('*', 'dead')).toBe(1);
    expect(get('default', 'oldest_wait_seconds')).toBeGreaterThanOrEqual(89);
    expect(get('default', 'oldest_wait_seconds')).toBeLessThan(120);
  });
});
