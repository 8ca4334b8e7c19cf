/**
 * The `rabbitmq` kind in-process against the loopback broker: states made by amqplib
 * (nack/reject without requeue, TTL expiry, a policy-set dead-letter exchange), read
 * through the RabbitMQ source and compared with the management API's own /api/queues/<vhost>/<q>
 * and amqplib's checkQueue on the same state.
 */
import * as amqp from 'amqplib';
import { rabbitSource } from '../../pkg/kinds/rabbitmq/rabbitmq-kind';
type RabbitSource = ReturnType<typeof rabbitSource>;
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import {
  ADMIN,
  API,
  amqpUrl,
  api,
  BIG,
  CELERY_ID,
  deleteVhost,
  makeRabbitState,
  MONITOR,
  RabbitState,
  TRACE_ID,
} from './rabbitmq/broker';

const log = {} as Logger;
// A dashboard viewer asks (peeks of these classic queues are open to every role).
const window = () => ({
  from: Date.now() - 3600_000,
  to: Date.now(),
  now: Date.now(),
  intervalMs: 60_000,
  requester: { role: 'Viewer', alert: false },
});

function source(json: Record<string, unknown>, password = ADMIN.password): RabbitSource {
  const config: DatasourceConfig = {
    uid: 'rabbit',
    name: 'rabbit',
    kind: 'rabbitmq',
    json: { kind: 'rabbitmq', ...json } as never,
    secure: { password },
    version: 1,
  };
  return rabbitSource(config, log);
}

let state: RabbitState;
let admin: RabbitSource;
const sources: RabbitSource[] = [];
const make = (json: Record<string, unknown>, password?: string) => {
  const s = source(json, password);
  sources.push(s);
  return s;
};

beforeAll(async () => {
  state = await makeRabbitState('src');
  admin = make({ managementUrl: API, username: ADMIN.user, vhost: state.vhost });
}, 60_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await state?.release();
  if (state) {
    await deleteVhost(state.vhost);
  }
});

const q = (over: Partial<JobscopeQuery>): JobscopeQuery => ({ refId: 'A', ...over });

async function overview(src: RabbitSource, over: Partial<JobscopeQuery> = {}) {
  const r = await src.read(q({ queryType: 'overview', ...over }), window());
  if (r.type !== 'overview') {
    throw new Error(r.type);
  }
  return { byQueue: Object.fromEntries(r.stats.map((s) => [s.queue, s.values])), result: r };
}

describe('overview', () => {
  it('matches the management API per queue and amqplib checkQueue on the same state', async () => {
    const { byQueue } = await overview(admin);
    const conn = await amqp.connect(amqpUrl(state.vhost));
    try {
      for (const name of ['orders', 'orders.dlq', 'emails', 'emails.dlq', 'ttl', 'ttl.expired']) {
        const own = (await api('GET', `queues/${encodeURIComponent(state.vhost)}/${encodeURIComponent(name)}`)).body;
        const ch = await conn.createChannel();
        const check = await ch.checkQueue(name);
        await ch.close();
        expect({
          name,
          wait: byQueue[name].wait,
          active: byQueue[name].active,
          workers: byQueue[name].workers,
        }).toEqual({
          name,
          wait: own.messages_ready,
          active: own.messages_unacknowledged,
          workers: own.consumers,
        });
        expect(byQueue[name].wait).toBe(check.messageCount);
        expect(byQueue[name].workers).toBe(check.consumerCount);
      }
    } finally {
      await conn.close();
    }
    // the state itself, so a broken producer cannot make the comparison vacuous
    expect(byQueue.orders).toMatchObject({ wait: 1, active: 1, workers: 1 });
    expect(byQueue['orders.dlq']).toMatchObject({ wait: 3, dead: 3 });
    expect(byQueue['emails.dlq']).toMatchObject({ wait: 1, dead: 1 }); // policy-set dead-lettering
    expect(byQueue['ttl.expired']).toMatchObject({ wait: 2, dead: 2 }); // TTL expiry
    expect(byQueue.orders.dead).toBeUndefined(); // not a dead-letter target
  });

  it('reports the age of the oldest ready message from its timestamp', async () => {
    const before = Date.now() / 1000;
    const { byQueue } = await overview(admin, { queues: ['orders', 'emails'] });
    // RabbitMQ's head_message_timestamp counts the unacked message too (published now-90),
    // the ready one was published now-60: the oldest held message is what is reported
    const own = (await api('GET', `queues/${encodeURIComponent(state.vhost)}/orders`)).body;
    const after = Date.now() / 1000;
    expect(byQueue.orders.oldest_wait_seconds).toBeGreaterThanOrEqual(before - own.head_message_timestamp - 0.01);
    expect(byQueue.orders.oldest_wait_seconds).toBeLessThanOrEqual(after - own.head_message_timestamp + 0.01);
    expect(byQueue.orders.oldest_wait_seconds).toBeGreaterThanOrEqual(89);
    expect(byQueue.emails.oldest_wait_seconds).toBeUndefined(); // published without a timestamp
  });

  it('labels queues <encoded vhost>/<name> without a vhost setting, uniquely', async () => {
    const all = make({ managementUrl: API, username: ADMIN.user });
    const prefix = `${encodeURIComponent(state.vhost)}/`;
    const { byQueue } = await overview(all, { queues: [`${prefix}orders*`] });
    expect(Object.keys(byQueue).sort()).toEqual([`${prefix}orders`, `${prefix}orders.dlq`]);
    expect(byQueue[`${prefix}orders.dlq`].dead).toBe(3);
  });
});

describe('dead-letter topology', () => {
  it('resolves arguments through a direct exchange, policies and the default exchange', async () => {
    const topo = (await admin.resource!('topology')) as any;
    const edges = topo.edges.map((e: any) => [e.from, e.to, e.via, e.exchange]).sort();
    expect(edges).toEqual([
      ['emails', 'emails.dlq', 'policy', ''],
      ['orders', 'orders.dlq', 'arguments', 'dlx'],
      ['ttl', 'ttl.expired', 'arguments', ''],
    ]);
    expect(topo.nodes.find((n: any) => n.id === 'orders.dlq')).toMatchObject({ deadLetterTarget: true, messages: 3 });
    await expect(admin.resource!('nope')).rejects.toMatchObject({ status: 404 });
  });
});

describe('dead-letter browsing', () => {
  it('is off by default and says why', async () => {
    const r = await admin.read(q({ queryType: 'jobs', state: 'dead' }), window());
    expect(r).toMatchObject({ type: 'jobs', rows: [] });
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/requeueing them.*delivery-limit/);
  });

  it('peeks dead letters with their x-death, Celery headers and bounded payloads, and requeues them', async () => {
    const peek = make({
      managementUrl: API,
      username: ADMIN.user,
      vhost: state.vhost,
      allowPeek: true,
      payloadLimitBytes: 1024,
    });
    const r = await peek.read(q({ queryType: 'jobs', state: 'dead' }), window());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    const byQueue = (name: string) => r.rows.filter((x) => x.queue === name);
    expect(byQueue('orders.dlq')).toHaveLength(3);
    expect(byQueue('emails.dlq')).toHaveLength(1);
    expect(byQueue('ttl.expired')).toHaveLength(2);
    const celery = r.rows.find((x) => x.id === CELERY_ID)!;
    expect(celery).toMatchObject({
      name: 'shop.tasks.charge',
      attempts: 3,
      traceId: TRACE_ID,
      state: 'dead',
      error: 'rejected from orders',
    });
    expect(celery.payload).toMatchObject({ kind: 'json', truncated: false });
    expect(celery.finishedAt).toBeGreaterThan(Date.now() - 120_000);
    expect(r.rows.find((x) => x.id === 'bin-1')!.payload).toMatchObject({
      kind: 'binary',
      preview: '00ff10800001',
      bytes: 6,
    });
    const big = r.rows.find((x) => x.id === 'big-1')!.payload!;
    expect(big).toMatchObject({ bytes: BIG, truncated: true, kind: 'text' });
    expect(big.preview.length).toBeLessThanOrEqual(1024);
    expect(r.rows.find((x) => x.id === 'mail-1')!.error).toBe('rejected from emails');
    expect(byQueue('ttl.expired').map((x) => x.error)).toEqual(['expired from ttl', 'expired from ttl']);
    // requeued: still there, now redelivered
    const own = (await api('GET', `queues/${encodeURIComponent(state.vhost)}/orders.dlq`)).body;
    expect(own.messages).toBe(3);
    const conn = await amqp.connect(amqpUrl(state.vhost));
    const ch = await conn.createChannel();
    expect((await ch.checkQueue('orders.dlq')).messageCount).toBe(3);
    await conn.close();
  });

  it('groups failures by dead-letter reason', async () => {
    const peek = make({ managementUrl: API, username: ADMIN.user, vhost: state.vhost, allowPeek: true });
    const r = await peek.read(q({ queryType: 'failures' }), window());
    if (r.type !== 'failures') {
      throw new Error(r.type);
    }
    const reasons = Object.fromEntries(r.groups.map((g) => [`${g.queue}|${g.reason}`, g.count]));
    expect(reasons).toEqual({
      'orders.dlq|rejected from orders': 3,
      'emails.dlq|rejected from emails': 1,
      'ttl.expired|expired from ttl': 2,
    });
  });
});

describe('workers and rates', () => {
  it('lists consumers by connection like /api/consumers', async () => {
    const r = await admin.read(q({ queryType: 'workers' }), window());
    if (r.type !== 'workers') {
      throw new Error(r.type);
    }
    expect(r.rows).toEqual([
      expect.objectContaining({
        name: 'jobscope-test-holder',
        host: '127.0.0.1',
        queues: ['orders'],
        concurrency: 1,
        alive: true,
      }),
    ]);
  });

  it('turns the management API rate samples into per-interval counts', async () => {
    const r = await admin.read(q({ queryType: 'timeseries', queues: ['orders'] }), window());
    if (r.type !== 'timeseries') {
      throw new Error(r.type);
    }
    for (const s of r.series) {
      expect(s.labels).toEqual({ system: 'rabbitmq', queue: 'orders', metric: s.metric });
      expect(['published', 'delivered', 'completed', 'redelivered']).toContain(s.metric);
      expect(s.values.every((v) => v >= 0)).toBe(true);
      expect(s.values.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5 + 3); // never more than what happened
    }
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/rate samples/);
  });
});

describe('read-only: the monitoring-tag user with read permission only', () => {
  it('answers every query type and the topology', async () => {
    const ro = make(
      { managementUrl: API, username: MONITOR.user, vhost: state.vhost, allowPeek: true },
      MONITOR.password
    );
    expect((await ro.checkHealth()).systems).toEqual({ rabbitmq: 6 });
    for (const queryType of ['overview', 'timeseries', 'failures', 'workers'] as const) {
      await expect(ro.read(q({ queryType }), window())).resolves.toMatchObject({ type: queryType });
    }
    for (const st of ['dead', 'failed', 'waiting', 'retry', 'delayed', 'active', 'stalled', 'completed'] as const) {
      await expect(ro.read(q({ queryType: 'jobs', state: st }), window())).resolves.toMatchObject({ type: 'jobs' });
    }
    const dead = await ro.read(q({ queryType: 'jobs', state: 'dead' }), window());
    expect(dead.type === 'jobs' && dead.rows.length).toBe(6); // peeking needs read permission only
    expect(((await ro.resource!('topology')) as any).edges).toHaveLength(3);
    expect((await ro.listQueues()).length).toBe(6);
    const { byQueue } = await overview(ro);
    expect(byQueue.orders).toMatchObject({ wait: 1, active: 1, workers: 1 });
  });
});

describe('without the management API (AMQP passive declares)', () => {
  it('reads named queues, survives a missing one, and says what it cannot read', async () => {
    const plain = make(
      {
        url: `amqp://${new URL(amqpUrl(state.vhost, MONITOR)).host}/${encodeURIComponent(state.vhost)}`,
        username: MONITOR.user,
      },
      MONITOR.password
    );
    const { byQueue, result } = await overview(plain, { queues: ['orders', 'missing', 'orders.dlq'] });
    expect(byQueue).toEqual({ orders: { wait: 1, workers: 1 }, 'orders.dlq': { wait: 3, workers: 0 } });
    const texts = result.notices.map((n) => n.text).join('\n');
    expect(texts).toMatch(/queue "missing" not found/);
    expect(texts).toMatch(/need the management API/);
    await expect(plain.read(q({ queues: ['missing'] }), window())).rejects.toMatchObject({ status: 404 });
    await expect(plain.read(q({ queues: ['orders*'] }), window())).rejects.toMatchObject({ status: 400 });
    await expect(plain.read(q({ queryType: 'jobs', queues: ['orders'] }), window())).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/management API/),
    });
    expect((await plain.checkHealth()).server).toMatch(/^RabbitMQ 3\.\d+\.\d+ over AMQP$/);
  });

  it('answers a query naming no queue with nothing and says why, and lists no queues', async () => {
    const plain = make(
      {
        url: `amqp://${new URL(amqpUrl(state.vhost, MONITOR)).host}/${encodeURIComponent(state.vhost)}`,
        username: MONITOR.user,
      },
      MONITOR.password
    );
    const result = await plain.read(q({}), window());
    expect(result).toMatchObject({ type: 'overview', stats: [] });
    expect(result.notices.map((n) => n.text).join('\n')).toMatch(/cannot list queues: name the queues to read/);
    expect(await plain.listQueues()).toEqual([]);
  });
});

describe('errors', () => {
  it('broker down: an actionable 502', async () => {
    const down = make({ managementUrl: 'http://127.0.0.1:1', username: ADMIN.user });
    await expect(down.checkHealth()).rejects.toMatchObject({
      status: 502,
      source: 'downstream',
      message: expect.stringMatching(/unreachable \(ECONNREFUSED\).*management plugin/),
    });
    const amqpDown = make({ url: 'amqp://127.0.0.1:1/', username: ADMIN.user });
    await expect(amqpDown.read(q({ queues: ['x'] }), window())).rejects.toMatchObject({
      status: 502,
      message: expect.stringMatching(/unreachable/),
    });
  });

  it('wrong password: a credentials message without the secret', async () => {
    const wrong = make({ managementUrl: API, username: ADMIN.user }, 'secret-wrong-pw');
    const err = await wrong.checkHealth().catch((e) => e);
    expect(err).toMatchObject({ status: 502, source: 'downstream' });
    expect(err.message).toMatch(/refused the credentials of user "jobscope".*check the username and password/);
    expect(err.message).not.toContain('secret-wrong-pw');
    const wrongAmqp = make(
      { url: `amqp://127.0.0.1:5672/${encodeURIComponent(state.vhost)}`, username: ADMIN.user },
      'secret-wrong-pw'
    );
    const err2 = await wrongAmqp.read(q({ queues: ['orders'] }), window()).catch((e) => e);
    expect(err2.message).toMatch(/refused the credentials/);
    expect(err2.message).not.toContain('secret-wrong-pw');
  });

  it('a vhost the user may not see, and settings without any URL', async () => {
    const closed = `${state.vhost}-closed`;
    await api('PUT', `vhosts/${encodeURIComponent(closed)}`, {}); // no permissions for the monitoring user
    try {
      const other = make({ managementUrl: API, username: MONITOR.user, vhost: closed }, MONITOR.password);
      await expect(other.read(q({}), window())).rejects.toMatchObject({
        status: 502,
        message: expect.stringMatching(/may not access this virtual host/),
      });
    } finally {
      await deleteVhost(closed);
    }
    expect(() => source({})).toThrow(/management URL/);
  });
});
