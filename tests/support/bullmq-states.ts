/**
 * Queue states made by the real BullMQ library (v5 or v6 layout): jobs that complete,
 * jobs that really throw, one held active by a running worker, waiting, delayed and
 * prioritized jobs, and a paused queue.
 */
import { bullConnection, waitUntil } from './redis';

type BullMQ = typeof import('bullmq');

export interface BullmqState {
  queues: Record<string, import('bullmq').Queue>;
  release(): Promise<void>;
}

export async function makeBullmqState(lib: BullMQ, prefix: string): Promise<BullmqState> {
  const connection = bullConnection();
  const orders = new lib.Queue('orders', { connection, prefix });
  const emails = new lib.Queue('emails', { connection, prefix });
  let unblock!: () => void;
  const blocked = new Promise<void>((r) => (unblock = r));

  const worker = new lib.Worker(
    'orders',
    async (job) => {
      if (job.name === 'charge-fail') {
        throw new Error(`card declined for order ${job.data.order}`);
      }
      if (job.name === 'slow') {
        await blocked;
      }
      return { ok: true };
    },
    { connection, prefix, concurrency: 1 }
  );
  await worker.waitUntilReady();

  for (let i = 0; i < 3; i++) {
    await orders.add('charge', { order: i });
  }
  for (let i = 0; i < 2; i++) {
    await orders.add('charge-fail', { order: 100 + i }, { attempts: 1 });
  }
  await waitUntil('3 completed and 2 failed', async () => {
    const c = await orders.getJobCounts('completed', 'failed');
    return c.completed === 3 && c.failed === 2;
  });
  await orders.add('slow', { order: 'slow' });
  await waitUntil('one active job', async () => (await orders.getJobCounts('active')).active === 1);
  // The single-concurrency worker is busy: everything below stays where it lands.
  for (let i = 0; i < 4; i++) {
    await orders.add('charge', { order: 200 + i });
  }
  await orders.add('later', { order: 'later' }, { delay: 3_600_000 });
  await orders.add('later', { order: 'later2' }, { delay: 7_200_000 });
  for (let i = 0; i < 3; i++) {
    await orders.add('vip', { order: 300 + i }, { priority: 1 + i });
  }

  await emails.add('welcome', { to: 'a@example.com' });
  await emails.pause();
  await emails.add('welcome', { to: 'b@example.com' });

  return {
    queues: { orders, emails },
    async release() {
      unblock();
      await worker.close();
      await Promise.all([orders.close(), emails.close()]);
    },
  };
}
