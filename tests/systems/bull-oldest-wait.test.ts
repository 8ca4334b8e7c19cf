/**
 * Bull keeps priorities inside its wait list: prioritised jobs sit at the right end (the
 * next to run), so the right end is not the oldest waiting job. oldest_wait_seconds must
 * be the age of the earliest-enqueued job Queue#getWaiting() returns. And BullMQ/Bull,
 * which record no retries or dead counts, must say so in a notice.
 */
import Bull from 'bull';
import * as bullmq from 'bullmq';
import Redis from 'ioredis';
import { bullConnection, deletePrefix, testRedis, uniquePrefix } from '../support/redis';
import { readContext } from '../support/read-context';
import { BullSystem } from '../../pkg/kinds/redis/systems/bull/bull';
import { BullMQSystem } from '../../pkg/kinds/redis/systems/bullmq/bullmq';
import { bullRedis } from './bull/state';

const prefix = uniquePrefix('bull-oldest');
let r: Redis;
let queue: Bull.Queue;
let mqQueue: bullmq.Queue;

const pause = (ms: number) => new Promise((res) => setTimeout(res, ms));

beforeAll(async () => {
  r = testRedis();
  queue = new Bull('mixed', { prefix, redis: bullRedis() });
  await queue.add({ n: 'oldest, no priority' });
  await pause(30);
  await queue.add({ n: 'second, no priority' });
  await pause(30);
  await queue.add({ n: 'low priority' }, { priority: 5 });
  await pause(30);
  await queue.add({ n: 'urgent, newest' }, { priority: 1 });
  mqQueue = new bullmq.Queue('mq', { connection: bullConnection(), prefix });
  await mqQueue.add('x', {});
});

afterAll(async () => {
  await queue.close();
  await mqQueue.close();
  await deletePrefix(prefix);
  r.disconnect();
});

it('measures the oldest waiting job, not the next one to run', async () => {
  const waiting = await queue.getWaiting();
  expect(waiting).toHaveLength(4);
  // The job Bull runs next is the urgent one, added last.
  const next = await r.lindex(`${prefix}:mixed:wait`, -1);
  expect(waiting.find((j) => String(j.id) === next)!.data.n).toBe('urgent, newest');

  const ctx = readContext(r);
  const [stats] = await new BullSystem(prefix).overview(ctx, ['mixed']);
  const oldest = Math.min(...waiting.map((j) => j.timestamp));
  expect(stats.values.oldest_wait_seconds).toBeCloseTo((ctx.now - oldest) / 1000, 6);
  const nextTimestamp = waiting.find((j) => String(j.id) === next)!.timestamp;
  expect(stats.values.oldest_wait_seconds).toBeGreaterThan((ctx.now - nextTimestamp) / 1000);
});

it('leaves retries and dead out of the Bull and BullMQ overviews with a notice saying why', async () => {
  for (const [system, queues, library] of [
    [new BullSystem(prefix), ['mixed'], 'Bull'],
    [new BullMQSystem(prefix), ['mq'], 'BullMQ'],
  ] as const) {
    const ctx = readContext(r);
    const [stats] = await system.overview(ctx, [...queues]);
    expect(stats.values.retries).toBeUndefined();
    expect(stats.values.dead).toBeUndefined();
    expect(ctx.notices.map((n) => n.text)).toContainEqual(
      expect.stringContaining(`${library} records no retries or dead counts`)
    );
  }
});

describe('BullMQ retries', () => {
  const retryPrefix = uniquePrefix('bullmq-retry');
  let q: bullmq.Queue;

  beforeAll(async () => {
    q = new bullmq.Queue('pay', { connection: bullConnection(), prefix: retryPrefix });
    await q.add('no-backoff', {}, { attempts: 3 });
    await q.add('backoff', {}, { attempts: 3, backoff: { type: 'fixed', delay: 3600_000 } });
    await q.add('untouched', {});
    // The library's own transition: a worker takes each job and fails it once.
    const worker = new bullmq.Worker('pay', null, {
      connection: bullConnection(),
      prefix: retryPrefix,
      autorun: false,
    });
    for (let i = 0; i < 2; i++) {
      const job = (await worker.getNextJob('token'))!;
      await job.moveToFailed(new Error(`declined ${job.name}`), 'token');
    }
    await worker.close();
  });

  afterAll(async () => {
    await q.close();
    await deletePrefix(retryPrefix);
  });

  it('lists a failed attempt with attempts left as a retry wherever it waits (wait without backoff, delayed with)', async () => {
    const own = (await q.getJobs(['wait', 'delayed', 'prioritized'])).filter((j) => j.attemptsMade > 0);
    expect(own.map((j) => j.name).sort()).toEqual(['backoff', 'no-backoff']);
    expect(await q.getFailedCount()).toBe(0); // not failed: they wait again
    const rows = await new BullMQSystem(retryPrefix).jobs(readContext(r), ['pay'], { state: 'retry' });
    expect(rows.map((row) => [row.id, row.state, row.attempts]).sort()).toEqual(
      own.map((j) => [j.id, 'retry', j.attemptsMade]).sort()
    );
  });
});
