/**
 * A RabbitMQ state made by amqplib on the loopback broker, in its own vhost (created with
 * the admin user through the management API, deleted afterwards):
 *   orders  --x-dead-letter-exchange "dlx" (direct, key "orders")-->  orders.dlq
 *           5 published with timestamps: 3 nack(requeue=false) (one Celery-style with
 *           task/id/retries/traceparent headers, one binary, one of 1 MB), 1 held unacked
 *           by a consumer (prefetch 1), 1 ready
 *   emails  --policy dead-letter-exchange "" / key "emails.dlq"-->  emails.dlq
 *           3 published: 1 reject(requeue=false), 2 ready
 *   ttl     --x-message-ttl 50, x-dead-letter-exchange ""/key "ttl.expired"-->  ttl.expired
 *           2 published, both expire
 */
import { randomBytes } from 'crypto';
import * as amqp from 'amqplib';

export const API = process.env.JOBSCOPE_RABBIT_API ?? 'http://127.0.0.1:15672';
export const ADMIN = {
  user: process.env.JOBSCOPE_RABBIT_USER ?? 'jobscope',
  password: process.env.JOBSCOPE_RABBIT_PASSWORD ?? 'jobscope',
};
export const MONITOR = {
  user: process.env.JOBSCOPE_RABBIT_MONITOR_USER ?? 'jobscope-monitor',
  password: process.env.JOBSCOPE_RABBIT_MONITOR_PASSWORD ?? 'jobscope-monitor',
};
const amqpBase = new URL(process.env.JOBSCOPE_AMQP_URL ?? 'amqp://jobscope:jobscope@127.0.0.1:5672/');
export const AMQP_HOST = `${amqpBase.hostname}:${amqpBase.port || 5672}`;

export const amqpUrl = (vhost: string, who = ADMIN) =>
  `amqp://${encodeURIComponent(who.user)}:${encodeURIComponent(who.password)}@${AMQP_HOST}/${encodeURIComponent(vhost)}`;

export async function api<T = any>(
  method: string,
  path: string,
  body?: unknown,
  who = ADMIN
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${API}/api/${path}`, {
    method,
    headers: {
      authorization: 'Basic ' + Buffer.from(`${who.user}:${who.password}`).toString('base64'),
      'content-type': 'application/json',
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
export const CELERY_ID = '9c1e7a52-3b8e-4c9a-9d0f-6c2d1b7e5a10';
export const BIG = 1024 * 1024;

export interface RabbitState {
  vhost: string;
  /** The connection holding one orders message unacked. */
  holder: amqp.ChannelModel;
  release(): Promise<void>;
}

export async function makeVhost(tag: string): Promise<string> {
  const vhost = `jstest-${tag}-${randomBytes(4).toString('hex')}`;
  const v = encodeURIComponent(vhost);
  await api('PUT', `vhosts/${v}`, {});
  await api('PUT', `permissions/${v}/${encodeURIComponent(ADMIN.user)}`, { configure: '.*', write: '.*', read: '.*' });
  // The monitoring user may read (basic.get, needed only for peeking) but never configure or write.
  await api('PUT', `permissions/${v}/${encodeURIComponent(MONITOR.user)}`, { configure: '', write: '', read: '.*' });
  return vhost;
}

export async function deleteVhost(vhost: string): Promise<void> {
  await api('DELETE', `vhosts/${encodeURIComponent(vhost)}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function makeRabbitState(tag: string): Promise<RabbitState> {
  const vhost = await makeVhost(tag);
  const v = encodeURIComponent(vhost);
  await api('PUT', `policies/${v}/emails-dl`, {
    pattern: '^emails$',
    'apply-to': 'queues',
    definition: { 'dead-letter-exchange': '', 'dead-letter-routing-key': 'emails.dlq' },
  });
  const conn = await amqp.connect(amqpUrl(vhost));
  const ch = await conn.createChannel();
  await ch.assertExchange('dlx', 'direct', { durable: true });
  await ch.assertQueue('orders.dlq', { durable: true });
  await ch.bindQueue('orders.dlq', 'dlx', 'orders');
  await ch.assertQueue('orders', {
    durable: true,
    arguments: { 'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'orders' },
  });
  await ch.assertQueue('emails.dlq', { durable: true });
  await ch.assertQueue('emails', { durable: true });
  await ch.assertQueue('ttl.expired', { durable: true });
  await ch.assertQueue('ttl', {
    durable: true,
    arguments: { 'x-message-ttl': 50, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'ttl.expired' },
  });

  const now = Math.floor(Date.now() / 1000);
  // Order matters: the first three are the ones consumed and nacked.
  ch.sendToQueue('orders', Buffer.from(JSON.stringify([[42], { amount: 10 }, {}])), {
    timestamp: now - 120,
    contentType: 'application/json',
    headers: {
      lang: 'py',
      task: 'shop.tasks.charge',
      id: CELERY_ID,
      retries: 2,
      traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01`,
    },
  });
  ch.sendToQueue('orders', Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00, 0x01]), {
    timestamp: now - 110,
    messageId: 'bin-1',
  });
  ch.sendToQueue('orders', Buffer.alloc(BIG, 'x'), { timestamp: now - 100, messageId: 'big-1' });
  ch.sendToQueue('orders', Buffer.from('{"order":4}'), { timestamp: now - 90, messageId: 'held-1' });
  ch.sendToQueue('orders', Buffer.from('{"order":5}'), { timestamp: now - 60, messageId: 'ready-1' });
  for (let i = 1; i <= 3; i++) {
    ch.sendToQueue('emails', Buffer.from(`mail ${i}`), { messageId: `mail-${i}` });
  }
  ch.sendToQueue('ttl', Buffer.from('soon gone 1'), { messageId: 'ttl-1' });
  ch.sendToQueue('ttl', Buffer.from('soon gone 2'), { messageId: 'ttl-2' });
  await ch.close();

  // Real consumers fail messages: nack/reject without requeue dead-letters them.
  const worker = await conn.createChannel();
  for (let i = 0; i < 3; i++) {
    const m = await worker.get('orders', { noAck: false });
    if (!m) {
      throw new Error('orders message missing');
    }
    worker.nack(m, false, false);
  }
  const mail = await worker.get('emails', { noAck: false });
  if (!mail) {
    throw new Error('emails message missing');
  }
  worker.reject(mail, false);
  await worker.close();

  // A consumer holding one message unacked.
  const holder = await amqp.connect(amqpUrl(vhost), { clientProperties: { connection_name: 'jobscope-test-holder' } });
  const hch = await holder.createChannel();
  await hch.prefetch(1);
  await hch.consume('orders', () => undefined, { noAck: false });

  // Wait for the state (TTL expiry) and for the management statistics (5 s interval) to settle.
  await waitForQueues(
    vhost,
    {
      orders: [1, 1, 1],
      'orders.dlq': [3, 0, 0],
      emails: [2, 0, 0],
      'emails.dlq': [1, 0, 0],
      ttl: [0, 0, 0],
      'ttl.expired': [2, 0, 0],
    },
    30_000
  );
  return {
    vhost,
    holder,
    release: async () => {
      await holder.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}

/**
 * Streams and quorum queues, in a vhost of their own:
 *   events (classic) --x-dead-letter-exchange "dlx.s" (fanout)-->  events.dlq (stream)
 *                                                               and events.parked (classic)
 *           5 published with message ids ev-0..ev-4, all nack(requeue=false) by a consumer.
 *           RabbitMQ 3.10.8 drops what dead-lettering routes into a stream (seen here with
 *           classic nacks, quorum nacks and TTL expiry alike: the stream stays empty, nothing
 *           is logged), so the dead letters parked in events.parked, x-death headers and
 *           all, are then moved into the stream by a consumer that republishes them (what a
 *           shovel would do); `streamAfterNacks` records what the stream held before.
 *           Its count is known once the stats settle, hence a function.
 *   work (quorum; policy: delivery-limit 4, dead-letter-exchange "" / key "work.dlq")
 *           -->  work.dlq (quorum, x-delivery-limit 2)
 *           3 published: 2 reject(requeue=false), 1 ready
 */
export interface KindsState {
  vhost: string;
  /** Messages in events.dlq right after the nacks, before the move (0 on RabbitMQ 3.10.8). */
  streamAfterNacks: number;
  release(): Promise<void>;
}

export async function waitForQueues(
  vhost: string,
  expect: Record<string, [number, number, number]>,
  timeoutMs = 40_000
): Promise<void> {
  const v = encodeURIComponent(vhost);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<any[]>(
      'GET',
      `queues/${v}?columns=name,messages_ready,messages_unacknowledged,consumers`
    );
    const ok = Object.entries(expect).every(([name, [r, u, c]]) => {
      const q = body.find((x) => x.name === name);
      return q && q.messages_ready === r && q.messages_unacknowledged === u && q.consumers === c;
    });
    if (ok) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`RabbitMQ state did not settle: ${JSON.stringify(body)}`);
    }
    await sleep(500);
  }
}

export async function makeKindsState(tag: string): Promise<KindsState> {
  const vhost = await makeVhost(tag);
  try {
    return await fillKindsState(vhost);
  } catch (err) {
    await deleteVhost(vhost);
    throw err;
  }
}

async function fillKindsState(vhost: string): Promise<KindsState> {
  const v = encodeURIComponent(vhost);
  await api('PUT', `policies/${v}/work-limits`, {
    pattern: '^work$',
    'apply-to': 'queues',
    definition: { 'delivery-limit': 4, 'dead-letter-exchange': '', 'dead-letter-routing-key': 'work.dlq' },
  });
  const conn = await amqp.connect(amqpUrl(vhost));
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('dlx.s', 'fanout', { durable: true });
  await ch.assertQueue('events.dlq', { durable: true, arguments: { 'x-queue-type': 'stream' } });
  await ch.bindQueue('events.dlq', 'dlx.s', '');
  await ch.assertQueue('events.parked', { durable: true });
  await ch.bindQueue('events.parked', 'dlx.s', '');
  await ch.assertQueue('events', { durable: true, arguments: { 'x-dead-letter-exchange': 'dlx.s' } });
  await ch.assertQueue('work.dlq', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 2 } });
  await ch.assertQueue('work', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < 5; i++) {
    ch.sendToQueue('events', Buffer.from(JSON.stringify({ event: i })), {
      messageId: `ev-${i}`,
      timestamp: now - 60 + i,
      contentType: 'application/json',
      headers: { i, traceparent: `00-${TRACE_ID}-00f067aa0ba902b${i}-01` },
    });
  }
  for (let i = 0; i < 3; i++) {
    ch.sendToQueue('work', Buffer.from(`job ${i}`), { messageId: `work-${i}`, timestamp: now - 30 });
  }
  await ch.waitForConfirms();
  await ch.close();
  const worker = await conn.createChannel();
  for (let i = 0; i < 5; i++) {
    const m = await worker.get('events', { noAck: false });
    if (!m) {
      throw new Error('events message missing');
    }
    worker.nack(m, false, false);
  }
  for (let i = 0; i < 2; i++) {
    const m = await worker.get('work', { noAck: false });
    if (!m) {
      throw new Error('work message missing');
    }
    worker.reject(m, false);
  }
  // What reached the stream by dead-lettering alone (read from its start, as a consumer would).
  const streamAfterNacks = await countStream(conn, 'events.dlq');
  // Move the parked dead letters, headers and properties untouched, into the stream.
  const mover = await conn.createConfirmChannel();
  for (;;) {
    const m = await mover.get('events.parked', { noAck: false });
    if (!m) {
      break;
    }
    mover.sendToQueue('events.dlq', m.content, m.properties as amqp.Options.Publish);
    await mover.waitForConfirms();
    mover.ack(m);
  }
  await worker.close();
  await mover.close();
  // quorum queue statistics appear in the management API some seconds after declaration
  await waitForQueues(vhost, {
    events: [0, 0, 0],
    'events.parked': [0, 0, 0],
    'events.dlq': [streamAfterNacks + 5, 0, 0],
    work: [1, 0, 0],
    'work.dlq': [2, 0, 0],
  });
  return { vhost, streamAfterNacks, release: () => conn.close().catch(() => undefined) };
}

async function countStream(conn: amqp.ChannelModel, name: string): Promise<number> {
  await sleep(1000); // dead-lettering is asynchronous
  const ch = await conn.createChannel();
  await ch.prefetch(100);
  let n = 0;
  let tag = '';
  await new Promise<void>((resolve) => {
    let t = setTimeout(resolve, 1000);
    void ch
      .consume(
        name,
        (m) => {
          if (!m) {
            return;
          }
          n++;
          ch.ack(m);
          clearTimeout(t);
          t = setTimeout(resolve, 300);
        },
        { noAck: false, arguments: { 'x-stream-offset': 'first' } }
      )
      .then((ok) => (tag = ok.consumerTag));
  });
  await ch.cancel(tag);
  await ch.close();
  return n;
}
