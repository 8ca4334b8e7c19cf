/**
 * Redis faults through the packaged executable: refused credentials, bad database
 * indexes, silent and unreachable servers in every mode, a pathological queue glob. Each
 * must answer within the bound as a downstream error, leave the process serving, and
 * never echo a secret. Throw-away redis-server processes on loopback carry the passwords;
 * the shared server is only read (db 9) and never configured.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Redis from 'ioredis';
import { deletePrefix, REDIS_URL, uniquePrefix, waitUntil } from '../support/redis';
import { closedPort, expectError, faultDatasource, FaultRig, SECRET, silentListener } from './support';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-faults-redis-'));
const servers: ChildProcess[] = [];
let rig: FaultRig;
let guarded: number; // a redis-server with a password and an ACL user
let open: number; // a redis-server without any password
let silent: Awaited<ReturnType<typeof silentListener>>;

async function redisServer(extra: string[]): Promise<number> {
  const port = await closedPort();
  servers.push(
    spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra],
      {
        stdio: 'ignore',
      }
    )
  );
  await waitUntil(`redis-server on ${port}`, async () => {
    const r = new Redis({
      port,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      password: extra.includes('--requirepass') ? SECRET : undefined,
    });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  });
  return port;
}

beforeAll(async () => {
  [guarded, open] = await Promise.all([
    redisServer([
      '--requirepass',
      SECRET,
      '--user',
      'reader',
      'on',
      `>${SECRET}x`,
      '~*',
      '+@read',
      '+info',
      '+ping',
      '+select',
      '+client',
      '+hello',
      '+auth',
    ]),
    redisServer([]),
  ]);
  silent = await silentListener();
  rig = await FaultRig.launch();
});

afterAll(async () => {
  rig?.printTimings('Redis faults');
  await rig?.stop();
  await silent?.close();
  servers.forEach((s) => s.kill('SIGKILL'));
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await rig.expectAlive();
});

const overview = { queryType: 'overview' };

describe('credentials refused: a downstream 502 naming the credentials, the process keeps serving', () => {
  it.each([
    ['a wrong password', () => ({ url: `redis://127.0.0.1:${guarded}/0` }), { password: `${SECRET}-wrong` }],
    ['a wrong password in the URL', () => ({ url: `redis://:${SECRET}-wrong@127.0.0.1:${guarded}/0` }), {}],
    [
      'an unknown ACL user',
      () => ({ url: `redis://127.0.0.1:${guarded}/0`, username: 'nobody' }),
      { password: SECRET },
    ],
    ['a password on a server that has none', () => ({ url: `redis://127.0.0.1:${open}/0` }), { password: SECRET }],
  ])('%s', async (fault, json, secure) => {
    const ds = faultDatasource(`cred-${fault.replace(/\W+/g, '-')}`, json(), secure);
    // Twice: the first query opens the connection, the second reuses the failed one.
    for (const round of [1, 2]) {
      const { value } = await rig.query(`${fault} (query ${round})`, ds, overview);
      expectError(value, 'downstream', 502, /refused the credentials|password/i);
    }
    const health = await rig.health(fault, ds);
    expect(health.value.status).toBe(2);
    expect(health.details).toMatchObject({ errorSource: 'downstream', status: 502 });
    await rig.expectNoSecret();
  });

  it('the right ACL user and password still read (the checks above are not vacuous)', async () => {
    const ds = faultDatasource(
      'cred-ok',
      { url: `redis://127.0.0.1:${guarded}/0`, username: 'reader' },
      { password: `${SECRET}x` }
    );
    const { value } = await rig.query('the right credentials', ds, overview);
    expect(value.error ?? '').toBe('');
    expect(value.status).toBe(200);
  });
});

describe('a bad database index: a downstream 400 naming the url setting', () => {
  it.each([
    ['/99 (above the server’s databases)', '99', '', /setting url: .*no database 99/],
    // Refused before connecting: the URL's password is the marker that must not come back.
    ['/-1', '-1', `:${SECRET}@`, /setting url: .*database index "\/-1"/],
    ['/abc', 'abc', `:${SECRET}@`, /setting url: .*database index "\/abc"/],
  ])('%s', async (fault, db, userinfo, message) => {
    const ds = faultDatasource(`db-${db}`, { url: `redis://${userinfo}127.0.0.1:${open}/${db}` });
    for (const round of [1, 2]) {
      const { value } = await rig.query(`db ${fault} (query ${round})`, ds, overview);
      expectError(value, 'downstream', 400, message);
    }
    const health = await rig.health(`db ${fault}`, ds);
    expect(health.details).toMatchObject({ errorSource: 'downstream', status: 400 });
    await rig.expectNoSecret();
  });
});

describe('servers that never answer: a downstream 504 within the bound', () => {
  it('a standalone port that accepts TCP and stays silent', async () => {
    const ds = faultDatasource('silent-standalone', { url: `redis://:${SECRET}@127.0.0.1:${silent.port}/0` });
    const { value, ms } = await rig.query('standalone, silent port', ds, overview);
    expectError(value, 'downstream', 504, /did not answer within 2 s/);
    expect(ms).toBeGreaterThanOrEqual(1500);
    const health = await rig.health('standalone, silent port', ds);
    expect(health.details).toMatchObject({ errorSource: 'downstream', status: 504 });
    await rig.expectNoSecret();
  });

  it('a standalone port where nothing listens', async () => {
    const ds = faultDatasource('closed-standalone', { url: `redis://127.0.0.1:${await closedPort()}/0` });
    const { value } = await rig.query('standalone, closed port', ds, overview);
    expectError(value, 'downstream', [502, 504], /cannot reach Redis|did not answer/);
  });

  it('Sentinel with a silent sentinel and with unreachable sentinels', async () => {
    for (const [fault, nodes] of [
      ['sentinel, silent node', `127.0.0.1:${silent.port}`],
      ['sentinel, unreachable nodes', `127.0.0.1:${await closedPort()},127.0.0.1:${await closedPort()}`],
    ]) {
      const ds = faultDatasource(
        `sentinel-${fault}`,
        { redisMode: 'sentinel', redisNodes: nodes, sentinelMaster: 'mymaster' },
        { password: SECRET }
      );
      const { value } = await rig.query(fault, ds, overview);
      expectError(value, 'downstream', [502, 504], /sentinel|did not answer|cannot reach/i);
      const health = await rig.health(fault, ds);
      expect(health.value.status).toBe(2);
    }
    await rig.expectNoSecret();
  });

  it('Cluster with an unreachable seed and with a silent seed', async () => {
    for (const [fault, nodes] of [
      ['cluster, unreachable seed', `127.0.0.1:${await closedPort()}`],
      ['cluster, silent seed', `127.0.0.1:${silent.port}`],
    ]) {
      const ds = faultDatasource(`cluster-${fault}`, { redisMode: 'cluster', redisNodes: nodes }, { password: SECRET });
      const health = await rig.health(fault, ds);
      expect(health.value.status).toBe(2);
      expect(health.details.errorSource).toBe('downstream');
      const { value } = await rig.query(fault, ds, overview);
      expectError(value, 'downstream', [502, 504]);
    }
    await rig.expectNoSecret();
  });
});

describe('a password inside an invalid URL never comes back', () => {
  it('redis://:PW@127.0.0.1:abc → a 400 naming url, without the password', async () => {
    const ds = faultDatasource('bad-url-secret', { url: `redis://:${SECRET}@127.0.0.1:abc` });
    const { value } = await rig.query('invalid URL carrying a password', ds, overview);
    expectError(value, 'downstream', 400, /setting url: .*not a valid URL/);
    expect(value.error).toContain('***@');
    const health = await rig.health('invalid URL carrying a password', ds);
    expect(health.value.message).toMatch(/setting url/);
    await rig.expectNoSecret();
  });
});

describe('a pathological queue glob', () => {
  const glob = `${'*'.repeat(30)}x`;

  it('answers at once, and the health service answers while it runs', async () => {
    // Queues to match against: ordinary names on the shared server (db 9), under a prefix of this test.
    const prefix = uniquePrefix('faults-glob');
    const r = new Redis(REDIS_URL);
    try {
      for (let i = 0; i < 50; i++) {
        await r.hset(`${prefix}:queue-number-${i}-with-a-rather-long-ordinary-name:meta`, 'opts.maxLenEvents', '10000');
      }
      const ds = faultDatasource('glob', { url: REDIS_URL, bullPrefix: prefix });
      const pending = rig.query('pathological glob (BullMQ, 50 queues)', ds, { queryType: 'overview', queues: [glob] });
      // The event loop stays free: pings answer while the query is under way.
      const pings: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        expect(await rig.grafana.ping()).toBe(1);
        pings.push(Date.now() - started);
      }
      const { value } = await pending;
      // No queue matches: an ordinary empty answer.
      expect([value.status, value.error ?? '']).toEqual([200, '']);
      expect(Math.max(...pings)).toBeLessThan(1000);
      rig.timings.push({
        fault: 'health ping during the glob query (max of 3)',
        ms: Math.max(...pings),
        outcome: 'SERVING',
      });
      // The same glob through a live-stream path (Viewers open these): a frame arrives, pings answer.
      const path = `overview/${Buffer.from(JSON.stringify({ q: [glob] })).toString('base64url')}`;
      expect((await rig.grafana.subscribeStream(ds, path)).status).toBe(0);
      const started = Date.now();
      const stream = rig.grafana.runStream(ds, path);
      try {
        await stream.waitFor(1, 10_000);
        rig.timings.push({
          fault: 'pathological glob in a live-stream path (first frame)',
          ms: Date.now() - started,
          outcome: 'frame',
        });
        expect(await rig.grafana.ping()).toBe(1);
      } finally {
        stream.cancel();
        await stream.ended;
      }
    } finally {
      r.disconnect();
      await deletePrefix(prefix);
    }
  });

  it('too long or too many patterns are a 400 naming queues, also via a stream path', async () => {
    const ds = faultDatasource('glob-caps', { url: REDIS_URL });
    const long = await rig.query('a 300-character glob', ds, { queues: ['*'.repeat(300)] });
    expectError(long.value, 'downstream', 400, /"queues" holds a pattern of 300 characters/);
    const many = await rig.query('150 globs', ds, { queues: Array.from({ length: 150 }, (_, i) => `q${i}*`) });
    expectError(many.value, 'downstream', 400, /"queues" holds 150 patterns/);
    const path = `overview/${Buffer.from(JSON.stringify({ q: ['*'.repeat(300)] })).toString('base64url')}`;
    const sub = await rig.timed('stream path with a 300-character glob', () => rig.grafana.subscribeStream(ds, path));
    expect(sub.value.status).not.toBe(0); // refused (not OK)
  });
});
