/**
 * The Bull adapter in-process on a real Redis: discovery that keeps BullMQ's queues and
 * job hashes out, a refresh whose cost does not grow with the number of queues, and
 * damaged data (wrong-typed keys, a 10 MB payload, binary bytes, broken JSON, missing
 * fields, ids whose hash is gone, a queue deleted mid-query) answered with partial
 * results and notices, never a throw.
 */
import Bull from 'bull';
import * as bullmq from 'bullmq';
import Redis from 'ioredis';
import { bullConnection, deletePrefix, testRedis, uniquePrefix } from '../support/redis';
import { readContext } from '../support/read-context';
import { BullSystem } from '../../pkg/kinds/redis/systems/bull/bull';
import { BullMQSystem } from '../../pkg/kinds/redis/systems/bullmq/bullmq';
import { redisTraffic } from '../../pkg/kinds/redis/traffic';
import { bullRedis } from './bull/state';

let r: Redis;

beforeAll(() => {
  r = testRedis();
});

afterAll(() => {
  r.disconnect();
});

describe('discovery', () => {
  const prefix = uniquePrefix('bull-disc');
  const bull = new BullSystem(prefix);
  const mq = new BullMQSystem(prefix);
  const queues: Array<{ close(): Promise<unknown> }> = [];

  beforeAll(async () => {
    const plain = new Bull('plain', { prefix, redis: bullRedis() });
    const colon = new Bull('team:jobs', { prefix, redis: bullRedis() });
    const paused = new Bull('paused-mq-lookalike', { prefix, redis: bullRedis() });
    const mqQueue = new bullmq.Queue('modern', { connection: bullConnection(), prefix });
    queues.push(plain, colon, paused, mqQueue);
    await plain.add({ n: 1 }, { jobId: 'x:id' }); // a job hash whose key ends in ":id"
    await colon.add({ n: 2 });
    await paused.add({ n: 3 });
    await paused.pause(); // writes meta {paused: 1}, as BullMQ's meta would hold
    await mqQueue.add('job', { n: 4 });
    await mqQueue.pause();
  });

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.close()));
    await deletePrefix(prefix);
  });

  it('finds Bull queues (colons in names too), not job hashes, and no BullMQ queue; BullMQ finds the reverse', async () => {
    const ctx = readContext(r);
    expect(await r.type(`${prefix}:plain:x:id`)).toBe('hash');
    expect(await bull.discover(ctx)).toEqual({ queues: ['paused-mq-lookalike', 'plain', 'team:jobs'], complete: true });
    expect(await mq.discover(ctx)).toEqual({ queues: ['modern'], complete: true });
  });

  it('costs the same number of round trips for one queue or all of them', async () => {
    const ctx = readContext(r);
    const cost = async (names: string[]) => {
      const before = redisTraffic.roundTrips;
      await bull.overview(ctx, names);
      return redisTraffic.roundTrips - before;
    };
    const one = await cost(['plain']);
    expect(one).toBeLessThanOrEqual(3); // two pipelines and one CLIENT LIST
    expect(await cost(['paused-mq-lookalike', 'plain', 'team:jobs'])).toBe(one);
  });
});

describe('damaged data', () => {
  const bad = uniquePrefix('bull-bad');
  const system = new BullSystem(bad);
  let queue: Bull.Queue;

  beforeAll(async () => {
    queue = new Bull('mixed', { prefix: bad, redis: bullRedis() });
    await queue.add('huge', { blob: 'x'.repeat(10 * 1024 * 1024) });
    const binary = await queue.add('binary', { ok: true });
    await r.hset(`${bad}:mixed:${binary.id}`, 'data', Buffer.from([0xff, 0x00, 0xfe, 0x01]));
    const broken = await queue.add('broken-opts', { ok: true });
    await r.hset(`${bad}:mixed:${broken.id}`, 'opts', '{not json');
    await r.hset(`${bad}:mixed:${broken.id}`, 'stacktrace', '[not json either');
    await r.lpush(`${bad}:mixed:wait`, 'ghost'); // an id whose hash is gone
    await r.hset(`${bad}:mixed:bare`, 'name', 'bare'); // a hash with almost nothing
    await r.lpush(`${bad}:mixed:wait`, 'bare');
    await r.zadd(`${bad}:mixed:failed`, Date.now(), 'bare'); // a failure with no reason or time
    // a queue whose lists have the wrong type
    await r.set(`${bad}:wrongtype:id`, '3');
    await r.set(`${bad}:wrongtype:wait`, 'not a list');
    await r.hset(`${bad}:wrongtype:active`, 'not', 'a list');
    await r.set(`${bad}:wrongtype:meta`, 'not a hash'); // left to BullMQ, as before
    await r.set(`${bad}:stringmeta:id`, '1');
    await r.hset(`${bad}:stringmeta:meta`, 'paused', '1');
    await r.set(`${bad}:stringmeta:failed`, 'not a zset');
  });

  afterAll(async () => {
    await queue.close();
    await deletePrefix(bad);
  });

  it('reads around wrong-typed keys with notices', async () => {
    const ctx = readContext(r);
    const { queues } = await system.discover(ctx);
    expect(queues).toEqual(['mixed', 'stringmeta']);
    const stats = await system.overview(ctx, [...queues, 'wrongtype']);
    const of = (q: string) => stats.find((s) => s.queue === q)!.values;
    expect(of('mixed')).toMatchObject({ wait: 5, queue_paused: 0, stalled: 0 });
    expect(of('wrongtype').wait).toBeUndefined();
    expect(of('wrongtype').active).toBeUndefined();
    expect(of('stringmeta')).toMatchObject({ failed: undefined, queue_paused: 1 });
    const text = ctx.notices.map((n) => n.text).join('\n');
    expect(text).toMatch(/wrongtype: wait: WRONGTYPE/);
    expect(text).toMatch(/stringmeta: failed: WRONGTYPE/);
    const failures = await system.failures(ctx, [...queues, 'wrongtype']);
    expect(failures.map((f) => [f.queue, f.count])).toEqual([['mixed', 1]]);
    expect(await system.jobs(ctx, ['wrongtype', 'stringmeta'], { state: 'waiting' })).toEqual([]);
  });

  it('lists jobs with a 10 MB payload by size, binary as hex, bad JSON and missing fields tolerated', async () => {
    const ctx = readContext(r, { payloadLimit: 1024 });
    const rows = await system.jobs(ctx, ['mixed'], { state: 'waiting' });
    const byName = Object.fromEntries(rows.map((row) => [row.name ?? row.id, row]));
    expect(Object.keys(byName).sort()).toEqual(['bare', 'binary', 'broken-opts', 'huge']); // 'ghost' has no hash: skipped
    // Over 1 MB: read whole (Redis has no partial HGET) within the list's budget, preview cut to the limit.
    expect(byName.huge.payload).toMatchObject({
      truncated: true,
      kind: 'json',
      preview: `{"blob":"${'x'.repeat(1024 - 9)}`,
    });
    expect(byName.huge.payload!.bytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(byName.binary.payload).toMatchObject({ kind: 'binary', preview: 'ff00fe01', bytes: 4 });
    expect(byName['broken-opts'].traceId).toBeUndefined();
    expect(byName.bare).toMatchObject({ id: 'bare', state: 'waiting', createdAt: undefined, attempts: undefined });
    const retries = await system.jobs(ctx, ['mixed'], { state: 'retry', search: 'bare' });
    expect(retries).toEqual([]);
  });

  it('answers for a queue deleted after discovery with zeros, not an error', async () => {
    const ctx = readContext(r);
    const { queues } = await system.discover(ctx);
    await deletePrefix(`${bad}:stringmeta`);
    const stats = await system.overview(ctx, queues);
    expect(stats.find((s) => s.queue === 'stringmeta')!.values).toMatchObject({
      wait: 0,
      active: 0,
      failed: 0,
      queue_paused: 0,
    });
    expect(await system.jobs(ctx, queues, { state: 'failed' })).toHaveLength(1);
  });
});
