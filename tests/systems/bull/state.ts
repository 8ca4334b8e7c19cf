/**
 * Queue states made by the real Bull 4 library, in-process: jobs that complete, jobs that
 * really throw (attempts 2: retried once, then failed), one failed attempt waiting to be
 * retried after a backoff, one job held active by a blocked processor, waiting, delayed
 * and prioritized jobs, a traced job, a globally paused queue, a queue whose worker keeps
 * Bull's per-minute metrics — and a BullMQ queue under the same prefix, which Bull
 * discovery must leave to BullMQ.
 */
import Bull from 'bull';
import * as bullmq from 'bullmq';
import { bullConnection, REDIS_HOST, REDIS_PORT, TEST_DB, waitUntil } from '../../support/redis';

export const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export interface BullState {
  /** Bull queues by name. */
  queues: Record<'orders' | 'emails' | 'reports', Bull.Queue>;
  /** The BullMQ queue sharing the prefix. */
  bullmqQueue: bullmq.Queue;
  release(): Promise<void>;
}

export function bullRedis() {
  return { host: REDIS_HOST, port: REDIS_PORT, db: TEST_DB };
}

export async function makeBullState(prefix: string): Promise<BullState> {
  const redis = bullRedis();
  const orders = new Bull('orders', { prefix, redis });
  const emails = new Bull('emails', { prefix, redis });
  const reports = new Bull('reports', { prefix, redis, metrics: { maxDataPoints: 60 } } as Bull.QueueOptions);
  let unblock!: () => void;
  const blocked = new Promise<void>((r) => (unblock = r));

  // One processor for every job name, one at a time: what it is busy with stays active,
  // everything added meanwhile stays where it lands.
  void orders.process('*', 1, async (job) => {
    if (job.name === 'charge-fail' || job.name === 'flaky') {
      throw new Error(`card declined for order ${job.data.order}`);
    }
    if (job.name === 'slow') {
      await blocked;
    }
    return { ok: true };
  });
  void reports.process(async () => ({ done: true }));

  for (let i = 0; i < 3; i++) {
    await orders.add('charge', { order: i });
  }
  for (let i = 0; i < 2; i++) {
    await orders.add('charge-fail', { order: 100 + i }, { attempts: 2 });
  }
  // Fails once, then waits an hour in delayed for its second attempt: a retry.
  await orders.add('flaky', { order: 150 }, { attempts: 3, backoff: { type: 'fixed', delay: 3_600_000 } });
  await waitUntil('3 completed, 2 failed, 1 retry delayed', async () => {
    const c = await orders.getJobCounts();
    return c.completed === 3 && c.failed === 2 && c.delayed === 1 && c.waiting === 0 && c.active === 0;
  });
  await orders.add('slow', { order: 'slow' });
  await waitUntil('one active job', async () => (await orders.getJobCounts()).active === 1);
  for (let i = 0; i < 4; i++) {
    await orders.add('charge', { order: 200 + i });
  }
  await orders.add('traced', { order: 250, traceparent: TRACEPARENT });
  await orders.add('later', { order: 'later' }, { delay: 3_600_000 });
  await orders.add('later', { order: 'later2' }, { delay: 7_200_000 });
  for (let i = 0; i < 3; i++) {
    await orders.add('vip', { order: 300 + i }, { priority: 1 + i });
  }

  await emails.add('welcome', { to: 'a@example.com' });
  await emails.pause();
  await emails.add('welcome', { to: 'b@example.com' });

  for (let i = 0; i < 2; i++) {
    await reports.add({ report: i });
  }
  await waitUntil('2 reports completed', async () => (await reports.getJobCounts()).completed === 2);

  const bullmqQueue = new bullmq.Queue('invoices', { connection: bullConnection(), prefix });
  await bullmqQueue.add('bill', { invoice: 1 });

  return {
    queues: { orders, emails, reports },
    bullmqQueue,
    async release() {
      unblock();
      await Promise.all([orders.close(), emails.close(), reports.close(), bullmqQueue.close()]);
    },
  };
}
