/**
 * RabbitMQ's usual retry-with-delay, made by amqplib in a vhost of its own:
 *   work        --x-dead-letter-exchange "" / key "work.retry"-->  work.retry
 *   work.retry  x-message-ttl 10 min, --x-dead-letter-exchange "" / key "work"-->  work
 *   work.parking  nothing dead-letters into it: the worker republishes a message there after
 *               its third failure, x-death and all, with x-exception-* headers (what Spring
 *               AMQP's RepublishMessageRecoverer does)
 *   jobs --DLX "" / "jobs.dlq"--> jobs.dlq --(TTL 10 min) DLX "" / "jobs.parking"--> jobs.parking
 * A real consumer on `work` (prefetch 1) nacks every message without requeue, so it goes
 * to work.retry, and parks it once x-death counts two rejections from `work`. While the first
 * three messages go round the loop, a policy lowers work.retry's TTL to 200 ms (RabbitMQ
 * applies the lower of argument and policy); then the policy is removed, two more messages
 * are nacked once (pending retries, held for 10 min), the consumer stops and three more are
 * published (ordinary backlog). One jobs message is rejected into jobs.dlq.
 *   final: work 3 ready · work.retry 2 · work.parking 3 · jobs.dlq 1 · jobs.parking 0
 * Besides, one connection `jobscope-test-pool` holds two channels consuming `pool` (prefetch 2)
 * and `pool.low` (prefetch 1).
 */
import * as amqp from 'amqplib';
import { amqpUrl, api, deleteVhost, makeVhost, waitForQueues } from './broker';

export interface RetryLoopState {
  vhost: string;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Death = { queue?: string; reason?: string; count?: number };

export async function makeRetryLoopState(tag: string): Promise<RetryLoopState> {
  const vhost = await makeVhost(tag);
  const conns: amqp.ChannelModel[] = [];
  try {
    const v = encodeURIComponent(vhost);
    const conn = await amqp.connect(amqpUrl(vhost));
    conns.push(conn);
    const ch = await conn.createConfirmChannel();
    const dl = (to: string) => ({ 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': to });
    await ch.assertQueue('work', { durable: true, arguments: dl('work.retry') });
    await ch.assertQueue('work.retry', { durable: true, arguments: { ...dl('work'), 'x-message-ttl': 600_000 } });
    await ch.assertQueue('work.parking', { durable: true });
    await ch.assertQueue('jobs', { durable: true, arguments: dl('jobs.dlq') });
    await ch.assertQueue('jobs.dlq', { durable: true, arguments: { ...dl('jobs.parking'), 'x-message-ttl': 600_000 } });
    await ch.assertQueue('jobs.parking', { durable: true });
    await ch.assertQueue('pool', { durable: true });
    await ch.assertQueue('pool.low', { durable: true });
    const short = await api('PUT', `policies/${v}/retry-fast`, {
      pattern: '^work\\.retry$',
      'apply-to': 'queues',
      definition: { 'message-ttl': 200 },
    });
    if (short.status >= 300) {
      throw new Error(`policy: ${short.status}`);
    }

    // The worker: fails every message; the third failure goes to the parking lot.
    const worker = await conn.createConfirmChannel();
    await worker.prefetch(1);
    let parked = 0;
    let nacked = 0;
    const { consumerTag } = await worker.consume('work', (m) => {
      if (!m) {
        return;
      }
      const deaths = (m.properties.headers?.['x-death'] ?? []) as Death[];
      const rejected = deaths.find((d) => d.queue === 'work' && d.reason === 'rejected')?.count ?? 0;
      if (rejected >= 2) {
        worker.sendToQueue('work.parking', m.content, {
          ...m.properties,
          headers: {
            ...m.properties.headers,
            'x-exception-message': `order ${m.properties.messageId} not found`,
            'x-exception-stacktrace': `java.lang.IllegalStateException: order ${m.properties.messageId} not found\n\tat com.acme.Orders.handle(Orders.java:42)`,
            'x-original-exchange': m.fields.exchange,
            'x-original-routingKey': m.fields.routingKey,
          },
        } as amqp.Options.Publish);
        void worker.waitForConfirms().then(() => {
          worker.ack(m);
          parked++;
        });
      } else {
        worker.nack(m, false, false);
        nacked++;
      }
    });
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i++) {
      ch.sendToQueue('work', Buffer.from(JSON.stringify({ order: i })), { messageId: `fail-${i}`, timestamp: now });
    }
    await ch.waitForConfirms();
    for (const deadline = Date.now() + 30_000; parked < 3;) {
      if (Date.now() > deadline) {
        throw new Error(`only ${parked} of 3 messages parked`);
      }
      await sleep(100);
    }
    // Pending retries: the queue's own 10-minute TTL again.
    await api('DELETE', `policies/${v}/retry-fast`);
    await waitForPolicy(v, 'work.retry', undefined);
    const before = nacked;
    for (let i = 0; i < 2; i++) {
      ch.sendToQueue('work', Buffer.from(JSON.stringify({ order: 10 + i })), {
        messageId: `retry-${i}`,
        timestamp: now,
      });
    }
    await ch.waitForConfirms();
    for (const deadline = Date.now() + 30_000; nacked < before + 2;) {
      if (Date.now() > deadline) {
        throw new Error('the worker did not nack the later messages');
      }
      await sleep(100);
    }
    await worker.cancel(consumerTag);
    await worker.close();
    for (let i = 0; i < 3; i++) {
      ch.sendToQueue('work', Buffer.from(JSON.stringify({ order: 20 + i })), {
        messageId: `backlog-${i}`,
        timestamp: now,
      });
    }
    ch.sendToQueue('jobs', Buffer.from('{"job":1}'), { messageId: 'job-1', timestamp: now });
    await ch.waitForConfirms();
    const jobsWorker = await conn.createChannel();
    const job = await jobsWorker.get('jobs', { noAck: false });
    if (!job) {
      throw new Error('jobs message missing');
    }
    jobsWorker.reject(job, false);
    await jobsWorker.close();
    await ch.close();

    // One connection, two consumers with their own prefetch.
    const pool = await amqp.connect(amqpUrl(vhost), { clientProperties: { connection_name: 'jobscope-test-pool' } });
    conns.push(pool);
    const a = await pool.createChannel();
    await a.prefetch(2);
    await a.consume('pool', () => undefined, { noAck: false });
    const b = await pool.createChannel();
    await b.prefetch(1);
    await b.consume('pool.low', () => undefined, { noAck: false });

    await waitForQueues(vhost, {
      work: [3, 0, 0],
      'work.retry': [2, 0, 0],
      'work.parking': [3, 0, 0],
      jobs: [0, 0, 0],
      'jobs.dlq': [1, 0, 0],
      'jobs.parking': [0, 0, 0],
      pool: [0, 0, 1],
      'pool.low': [0, 0, 1],
    });
    return {
      vhost,
      release: async () => {
        for (const c of conns) {
          await c.close().catch(() => undefined);
        }
      },
    };
  } catch (err) {
    for (const c of conns) {
      await c.close().catch(() => undefined);
    }
    await deleteVhost(vhost);
    throw err;
  }
}

async function waitForPolicy(v: string, queue: string, policy: string | undefined): Promise<void> {
  for (const deadline = Date.now() + 10_000; ;) {
    const { body } = await api<any>('GET', `queues/${v}/${encodeURIComponent(queue)}?columns=policy`);
    if ((body.policy || undefined) === policy) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`policy of ${queue} still ${body.policy}`);
    }
    await sleep(100);
  }
}
