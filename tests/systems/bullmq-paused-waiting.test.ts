/**
 * A paused queue's waiting jobs, on both BullMQ layouts: BullMQ 5 moves them to the
 * `paused` list, BullMQ 6 leaves them in `wait` and flags meta. `jobs state=waiting` must
 * list what the library's own Queue.getWaiting() / getJobs(['waiting']) returns on each.
 */
import * as bullmq6 from 'bullmq';
// The 5.x package, installed under an alias beside 6.x.
import * as bullmq5 from 'bullmq5';
import Redis from 'ioredis';
import { bullConnection, deletePrefix, testRedis, uniquePrefix } from '../support/redis';
import { readContext } from '../support/read-context';
import { BullMQSystem } from '../../pkg/kinds/redis/systems/bullmq/bullmq';

let r: Redis;
beforeAll(() => {
  r = testRedis();
});
afterAll(() => r.disconnect());

describe.each([
  ['BullMQ 5', bullmq5 as unknown as typeof bullmq6, 'paused'],
  ['BullMQ 6', bullmq6, 'wait'],
])('%s', (_label, lib, listHoldingThem) => {
  const prefix = uniquePrefix('bullmq-paused');
  let queue: bullmq6.Queue;

  beforeAll(async () => {
    queue = new lib.Queue('held', { connection: bullConnection(), prefix });
    await queue.add('before-pause', { n: 1 });
    await queue.add('before-pause', { n: 2 });
    await queue.pause();
    await queue.add('while-paused', { n: 3 });
  });

  afterAll(async () => {
    await queue.close();
    await deletePrefix(prefix);
  });

  it(`keeps the waiting jobs in "${listHoldingThem}", and the waiting list shows them as getWaiting() does`, async () => {
    expect(await r.llen(`${prefix}:held:${listHoldingThem}`)).toBe(3);
    const own = await queue.getWaiting();
    expect(own).toHaveLength(3);
    expect((await queue.getJobs(['waiting'])).map((j) => j.id).sort()).toEqual(own.map((j) => j.id).sort());

    const ctx = readContext(r);
    const rows = await new BullMQSystem(prefix).jobs(ctx, ['held'], { state: 'waiting' });
    // The same jobs; the plugin lists the next to run (oldest) first.
    expect(rows.map((row) => row.id).sort()).toEqual(own.map((j) => j.id).sort());
    expect(rows.map((row) => row.createdAt)).toEqual(own.map((j) => j.timestamp).sort((a, b) => a - b));
    expect(rows.map((row) => row.name)).toEqual(['before-pause', 'before-pause', 'while-paused']);
    expect(new Set(rows.map((row) => row.state))).toEqual(new Set(['waiting']));

    const [stats] = await new BullMQSystem(prefix).overview(ctx, ['held']);
    expect(stats.values.queue_paused).toBe(1);
    expect((stats.values.wait ?? 0) + (stats.values.paused ?? 0)).toBe(own.length);
  });

  it('honours the limit across the two lists', async () => {
    const rows = await new BullMQSystem(prefix).jobs(readContext(r, { limit: 2 }), ['held'], { state: 'waiting' });
    expect(rows).toHaveLength(2);
  });
});
