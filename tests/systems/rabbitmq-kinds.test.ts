/**
 * Stream and quorum queues of the `rabbitmq` kind against the loopback broker, read as the
 * monitoring-tag user with read permission only: a stream fed by real nacks through a
 * dead-letter exchange is browsed without allowPeek and without side effects (checked
 * with amqplib reading the whole stream before and after); a quorum DLQ fed by real
 * rejects is left alone with allowPeek off, and with allowPeek on the test shows what a
 * peek costs there (x-delivery-count rises, the notice says so, and past the
 * delivery-limit the broker drops the message).
 */
import * as amqp from 'amqplib';
import { rabbitSource } from '../../pkg/kinds/rabbitmq/rabbitmq-kind';
type RabbitSource = ReturnType<typeof rabbitSource>;
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import { startPlugin } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame } from '../harness/grafana-frames';
import {
  ADMIN,
  API,
  amqpUrl,
  api,
  deleteVhost,
  KindsState,
  makeKindsState,
  MONITOR,
  TRACE_ID,
} from './rabbitmq/broker';

const log = {} as Logger;
// An Editor asks: peeking a quorum queue can change a message's fate (peek-policy.ts).
const window = () => ({
  from: Date.now() - 3600_000,
  to: Date.now(),
  now: Date.now(),
  intervalMs: 60_000,
  requester: { role: 'Editor', alert: false },
});
const q = (over: Partial<JobscopeQuery>): JobscopeQuery => ({ refId: 'A', ...over });

let state: KindsState;
const sources: RabbitSource[] = [];
function source(json: Record<string, unknown>, who = MONITOR): RabbitSource {
  const config: DatasourceConfig = {
    uid: 'rabbit-kinds',
    name: 'rabbit-kinds',
    kind: 'rabbitmq',
    json: { kind: 'rabbitmq', managementUrl: API, username: who.user, vhost: state.vhost, ...json } as never,
    secure: { password: who.password },
    version: 1,
  };
  const s = rabbitSource(config, log);
  sources.push(s);
  return s;
}

beforeAll(async () => {
  state = await makeKindsState('kinds');
}, 90_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await state?.release();
  if (state) {
    await deleteVhost(state.vhost);
  }
});

/** The whole stream as amqplib reads it from the first offset: [offset, message id]. */
async function wholeStream(name: string): Promise<Array<[number, string | undefined]>> {
  const conn = await amqp.connect(amqpUrl(state.vhost));
  try {
    const ch = await conn.createChannel();
    await ch.prefetch(50);
    const got: Array<[number, string | undefined]> = [];
    await new Promise<void>((resolve) => {
      let t: NodeJS.Timeout = setTimeout(resolve, 2000);
      void ch.consume(
        name,
        (m) => {
          if (!m) {
            return;
          }
          const h = m.properties.headers ?? {};
          got.push([h['x-stream-offset'], m.properties.messageId]);
          ch.ack(m);
          clearTimeout(t);
          t = setTimeout(resolve, 300);
        },
        { noAck: false, arguments: { 'x-stream-offset': 'first' } }
      );
    });
    return got;
  } finally {
    await conn.close();
  }
}

const queueInfo = async (name: string) =>
  (await api('GET', `queues/${encodeURIComponent(state.vhost)}/${encodeURIComponent(name)}`)).body;

describe('a stream as dead-letter queue', () => {
  it('RabbitMQ 3.10 drops messages dead-lettered into a stream (why the state moves them there)', async () => {
    const version = (await api('GET', 'overview')).body.rabbitmq_version as string;
    if (version.startsWith('3.10.')) {
      expect(state.streamAfterNacks).toBe(0);
    }
  });

  it('RabbitMQ 3.10 keeps x-first-death-* but not the x-death array on messages stored in a stream', async () => {
    const version = (await api('GET', 'overview')).body.rabbitmq_version as string;
    const conn = await amqp.connect(amqpUrl(state.vhost));
    try {
      const ch = await conn.createChannel();
      await ch.prefetch(1);
      const headers = await new Promise<any>((resolve) =>
        ch.consume('events.dlq', (m) => resolve(m!.properties.headers), { arguments: { 'x-stream-offset': 'first' } })
      );
      expect(headers).toMatchObject({ 'x-first-death-reason': 'rejected', 'x-first-death-queue': 'events' });
      if (version.startsWith('3.10.')) {
        expect(headers['x-death']).toBeUndefined();
      }
    } finally {
      await conn.close();
    }
  });

  it('is browsed without allowPeek, the newest N, with the dead-letter reason of real nacks, and nothing changes', async () => {
    const before = await wholeStream('events.dlq');
    expect(before.map(([o, id]) => [o - state.streamAfterNacks, id])).toEqual([
      [0, 'ev-0'],
      [1, 'ev-1'],
      [2, 'ev-2'],
      [3, 'ev-3'],
      [4, 'ev-4'],
    ]);
    const ro = source({}); // monitoring user, allowPeek off
    const r = await ro.read(q({ queryType: 'jobs', state: 'dead', queues: ['events.dlq'] }), window());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    expect(r.rows.map((x) => x.id)).toEqual(['ev-0', 'ev-1', 'ev-2', 'ev-3', 'ev-4']);
    expect(r.rows[0]).toMatchObject({
      queue: 'events.dlq',
      state: 'dead',
      error: 'rejected from events',
      traceId: TRACE_ID,
      payload: { kind: 'json', preview: '{"event":0}', bytes: 11, truncated: false },
    });
    const texts = r.notices.map((n) => n.text).join('\n');
    expect(texts).toMatch(/events\.dlq: the newest messages were read by an AMQP stream consumer/);
    expect(texts).toMatch(/not allow peek/);
    expect(texts).not.toMatch(/Message browsing is off/);

    // the query's limit picks the newest N by offset
    const newest = await ro.read(q({ queryType: 'jobs', state: 'dead', queues: ['events.dlq'], limit: 2 }), window());
    expect(newest.type === 'jobs' && newest.rows.map((x) => x.id)).toEqual(['ev-3', 'ev-4']);

    // the same dead letters grouped as failures
    const f = await ro.read(q({ queryType: 'failures' }), window());
    if (f.type !== 'failures') {
      throw new Error(f.type);
    }
    expect(f.groups.find((g) => g.queue === 'events.dlq')).toMatchObject({ reason: 'rejected from events', count: 5 });

    // no side effect: the log, its offsets and its length are what they were
    expect(await wholeStream('events.dlq')).toEqual(before);
    const info = await queueInfo('events.dlq');
    expect([info.type, info.messages, info.consumers]).toEqual(['stream', 5, 0]);
  });

  it('is browsed the same way through the packaged executable (no allowPeek, monitoring user)', async () => {
    const plugin = await startPlugin();
    const grafana = new GrafanaClient(plugin.target);
    try {
      const ds = {
        uid: `rmq-kinds-${state.vhost}`,
        jsonData: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost: state.vhost },
        secureJsonData: { password: MONITOR.password },
      };
      const { A } = await grafana.queryData(ds, [
        { refId: 'A', json: { queryType: 'jobs', state: 'dead', queues: ['events.dlq'], limit: 3 } },
      ]);
      expect(A.error ?? '').toBe('');
      const frame = decodeFrame(A.frames[0]);
      const col = (name: string) => frame.fields.find((f) => f.name === name)!.values;
      expect(col('id')).toEqual(['ev-2', 'ev-3', 'ev-4']);
      expect(col('error')).toEqual(Array(3).fill('rejected from events'));
      expect(col('trace_id')).toEqual(Array(3).fill(TRACE_ID));
    } finally {
      grafana.close();
      plugin.kill();
    }
    expect((await wholeStream('events.dlq')).length).toBe(5 + state.streamAfterNacks);
  }, 60_000);

  it('shows up as dead in the overview and in the topology', async () => {
    const ro = source({});
    const r = await ro.read(q({ queryType: 'overview' }), window());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    expect(r.stats.find((s) => s.queue === 'events.dlq')!.values).toMatchObject({ wait: 5, dead: 5, workers: 0 });
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(
      /streams \(messages stay after consumption.*\): events\.dlq/
    );
    const topo = (await ro.resource!('topology')) as any;
    expect(topo.edges.map((e: any) => `${e.from}->${e.to}`).sort()).toEqual([
      'events->events.dlq',
      'events->events.parked',
      'work->work.dlq',
    ]);
  });
});

describe('quorum queues', () => {
  it('overview: type and delivery-limit (argument and policy), values as the management API says', async () => {
    const ro = source({});
    const r = await ro.read(q({ queryType: 'overview', queues: ['work*'] }), window());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    for (const name of ['work', 'work.dlq']) {
      const own = await queueInfo(name);
      expect(own.type).toBe('quorum');
      expect(r.stats.find((s) => s.queue === name)!.values).toMatchObject({
        wait: own.messages_ready,
        active: own.messages_unacknowledged,
        workers: own.consumers,
      });
    }
    expect(r.stats.find((s) => s.queue === 'work.dlq')!.values.dead).toBe(2); // fed by real rejects
    expect(r.notices.map((n) => n.text).join('\n')).toContain(
      'quorum queues: work (delivery-limit 4, from policy), work.dlq (delivery-limit 2, from arguments)'
    );
    const topo = (await ro.resource!('topology')) as any;
    expect(topo.nodes.find((n: any) => n.id === 'work.dlq')).toMatchObject({ type: 'quorum', deliveryLimit: 2 });
    expect(topo.nodes.find((n: any) => n.id === 'work')).toMatchObject({ type: 'quorum', deliveryLimit: 4 });
  });

  it('with allowPeek off nothing is taken; with it on, each peek is a delivery and the notice says what it costs', async () => {
    const off = source({});
    const r0 = await off.read(q({ queryType: 'jobs', state: 'dead', queues: ['work.dlq'] }), window());
    expect(r0).toMatchObject({ type: 'jobs', rows: [] });
    expect(r0.notices.map((n) => n.text).join('\n')).toMatch(
      /quorum queues.*x-delivery-count.*delivery-limit \(past it the broker drops or dead-letters/
    );
    await off.read(q({ queryType: 'failures', queues: ['work.dlq'] }), window());

    const on = source({ allowPeek: true });
    // First peek: x-delivery-count 0, so nothing (the queries above included) took them before.
    const r1 = await on.read(q({ queryType: 'jobs', state: 'dead', queues: ['work.dlq'] }), window());
    if (r1.type !== 'jobs') {
      throw new Error(r1.type);
    }
    expect(r1.rows.map((x) => [x.id, x.error])).toEqual([
      ['work-0', 'rejected from work'],
      ['work-1', 'rejected from work'],
    ]);
    // The test's own look: one earlier delivery each (the plugin's peek), so the queries
    // with allowPeek off took nothing.
    expect(await rawPeekCounts()).toEqual([1, 1]);
    const notice1 = r1.notices.map((n) => n.text).join('\n');
    expect(notice1).toContain(
      'work.dlq is a quorum queue: this peek counted as one delivery of each message read (x-delivery-count is now up to 1)'
    );
    expect(notice1).toMatch(/delivery-limit is 2/);
  });

  it('past the delivery-limit, a peek makes the broker drop the message (why allowPeek is off by default)', async () => {
    const on = source({ allowPeek: true });
    // counts are now 2 (plugin peek + rawPeekCounts above), but this source never peeked, so
    // it cannot know (RabbitMQ shows a count only by delivering): the peek exceeds
    // delivery-limit 2, and the notice says what the requeue cost.
    const r = await on.read(q({ queryType: 'jobs', state: 'dead', queues: ['work.dlq'] }), window());
    expect(r.type === 'jobs' && r.rows).toHaveLength(2);
    expect(r.notices.map((n) => n.text).join('\n')).toMatch(/the next peek drops or dead-letters|delivery-limit is 2/);
    expect(r.notices).toContainEqual({
      severity: 'error',
      text: "work.dlq: 2 message(s) had already been delivered 2 time(s) by other consumers; this peek's requeue passed the delivery-limit and the broker dropped or dead-lettered them",
    });
    const conn = await amqp.connect(amqpUrl(state.vhost));
    try {
      const ch = await conn.createChannel();
      expect((await ch.checkQueue('work.dlq')).messageCount).toBe(0);
    } finally {
      await conn.close();
    }
  });
});

/** One management-API peek by the test itself: x-delivery-count of each message. */
async function rawPeekCounts(): Promise<number[]> {
  const { body } = await api<any[]>('POST', `queues/${encodeURIComponent(state.vhost)}/work.dlq/get`, {
    count: 10,
    ackmode: 'ack_requeue_true',
    encoding: 'auto',
  });
  return body.map((m) => m.properties.headers?.['x-delivery-count'] ?? 0);
}

describe('read permission', () => {
  it('a stream the user may not read: a clear 502', async () => {
    const v = encodeURIComponent(state.vhost);
    const closed = `${state.vhost}-noread`;
    await api('PUT', `vhosts/${encodeURIComponent(closed)}`, {});
    await api('PUT', `permissions/${encodeURIComponent(closed)}/${encodeURIComponent(ADMIN.user)}`, {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    await api('PUT', `permissions/${encodeURIComponent(closed)}/${encodeURIComponent(MONITOR.user)}`, {
      configure: '',
      write: '',
      read: '^$',
    });
    try {
      const conn = await amqp.connect(amqpUrl(closed));
      const ch = await conn.createConfirmChannel();
      await ch.assertQueue('s', { durable: true, arguments: { 'x-queue-type': 'stream' } });
      ch.sendToQueue('s', Buffer.from('x'));
      await ch.waitForConfirms();
      await conn.close();
      await new Promise((r) => setTimeout(r, 200));
      const ro =
        sources[
          sources.push(
            rabbitSource(
              {
                uid: 'noread',
                name: 'noread',
                kind: 'rabbitmq',
                json: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost: closed } as never,
                secure: { password: MONITOR.password },
                version: 1,
              },
              log
            )
          ) - 1
        ];
      // the listing may not count the message yet: wait until it does
      for (
        let i = 0;
        i < 40 && !((await api('GET', `queues/${encodeURIComponent(closed)}/s`)).body?.messages > 0);
        i++
      ) {
        await new Promise((r) => setTimeout(r, 500));
      }
      await expect(ro.read(q({ queryType: 'jobs', state: 'dead', queues: ['s'] }), window())).rejects.toMatchObject({
        status: 502,
        message: expect.stringMatching(/does not let this user read queue "s".*read permission/),
      });
    } finally {
      await deleteVhost(closed);
    }
    expect(v).toBeTruthy();
  }, 40_000);
});
