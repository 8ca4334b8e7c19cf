/**
 * Celery messages that sit on a queue list without being ready to run: an ETA/countdown
 * task no worker has taken yet, and a retried task (Task.retry: retries + 1, an ETA an
 * hour away) that a worker held until its warm shutdown put it back on the list. Celery
 * runs neither before its ETA, so the overview counts them as delayed (and the retry as a
 * retry), as jobs state=delayed / state=retry list them, and kombu's own decoding of the
 * same lists agrees. Both Celery flavours; the state lives in a Redis database of its own.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import Redis from 'ioredis';
import { REDIS_HOST, REDIS_PORT } from '../support/redis';
import { readContext } from '../support/read-context';
import { CelerySystem } from '../../pkg/kinds/redis/systems/celery/celery';
import { FLAVOURS, LibraryView } from './celery/celery-state';

const run = promisify(execFile);
const DB = Number(process.env.JOBSCOPE_TEST_CELERY_ETA_DB || 7);
const URL = `redis://${REDIS_HOST}:${REDIS_PORT}/${DB}`;
const DIR = path.join(__dirname, 'celery');

interface EtaState {
  waiting: string[];
  countdown: string;
  due: string;
  retried: string;
  held_before_shutdown: number;
  unacked_after_shutdown: number;
  retrying_len: number;
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: DB });
});
afterAll(async () => {
  await redis.flushdb(); // this test's own database
  redis.disconnect();
});

describe.each(FLAVOURS.map((f) => [f.label, f] as const))('%s', (_label, flavour) => {
  const env = {
    ...process.env,
    JOBSCOPE_CELERY_URL: URL,
    JOBSCOPE_CELERY_DB: String(DB),
    PYTHONDONTWRITEBYTECODE: '1',
  };
  let state: EtaState;
  let lib: LibraryView;

  beforeAll(async () => {
    const { stdout } = await run(flavour.python, ['eta_scenario.py'], {
      cwd: DIR,
      env,
      timeout: 120_000,
      maxBuffer: 16 << 20,
    });
    state = JSON.parse(stdout.trim().split('\n').pop()!);
    const view = await run(
      flavour.python,
      ['library_view.py', JSON.stringify({ queues: ['later', 'retrying'], ids: [] })],
      { cwd: DIR, env, timeout: 60_000 }
    );
    lib = JSON.parse(view.stdout);
  }, 150_000);

  it('made the state it describes: the retried message held, then put back by the warm shutdown', () => {
    expect(state.held_before_shutdown).toBe(1);
    expect(state.unacked_after_shutdown).toBe(0);
    expect(state.retrying_len).toBe(1);
    expect(lib.queues.later).toMatchObject({ base: 4, unacked: 0, queued_delayed: 1, queued_retries: 0 });
    expect(lib.queues.retrying).toMatchObject({ base: 1, unacked: 0, queued_delayed: 1, queued_retries: 1 });
  });

  it('counts queued ETA and retried messages as delayed and retries, agreeing with the job lists and kombu', async () => {
    const celery = new CelerySystem();
    const ctx = readContext(redis);
    const { queues } = await celery.discover(ctx);
    expect(queues).toEqual(['bulky', 'later', 'retrying']);
    const stats = Object.fromEntries((await celery.overview(ctx, queues)).map((s) => [s.queue, s.values]));
    for (const q of ['later', 'retrying']) {
      const t = lib.queues[q];
      expect(stats[q]).toMatchObject({
        wait: t.base - t.queued_delayed_base,
        delayed: t.delayed + t.queued_delayed,
        retries: t.retries + t.queued_retries,
      });
    }
    expect(stats.later).toMatchObject({ wait: 3, delayed: 1, retries: 0 });
    expect(stats.retrying).toMatchObject({ wait: 0, delayed: 1, retries: 1 });

    const list = async (queue: string, state: 'waiting' | 'delayed' | 'retry') =>
      (await celery.jobs(readContext(redis), [queue], { state })).map((j) => j.id).sort();
    expect(await list('later', 'waiting')).toEqual([...state.waiting, state.due].sort());
    expect(await list('later', 'delayed')).toEqual([state.countdown]);
    expect(await list('retrying', 'waiting')).toEqual([]);
    expect(await list('retrying', 'delayed')).toEqual([state.retried]);
    expect(await list('retrying', 'retry')).toEqual([state.retried]);
    for (const q of ['later', 'retrying']) {
      expect((await list(q, 'waiting')).length).toBe(stats[q].wait);
      expect((await list(q, 'delayed')).length).toBe(stats[q].delayed);
      expect((await list(q, 'retry')).length).toBe(stats[q].retries);
    }
  });

  it('reads a bounded sample of large queued messages, and says so', async () => {
    const ctx = readContext(redis);
    const [bulky] = await new CelerySystem().overview(ctx, ['bulky']);
    expect(bulky.values).toMatchObject({ wait: 10, delayed: 0 });
    const notice = ctx.notices
      .map((n) => n.text)
      .find((t) => t.startsWith('bulky: ETA and retried messages counted among'))!;
    const read = Number(/among the next (\d+) of 10 queued/.exec(notice)![1]);
    expect(read).toBeGreaterThanOrEqual(1);
    expect(read).toBeLessThan(10); // about 512 KiB of ~270 kB messages
  });

  it('no longer lists the worker that shut down cleanly (it removed its pidbox binding)', async () => {
    expect(lib.workers).toEqual([]);
    const celery = new CelerySystem();
    const ctx = readContext(redis);
    await celery.discover(ctx);
    expect(await celery.workers(ctx, ['retrying'])).toEqual([]);
  });
});
