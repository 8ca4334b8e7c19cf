/**
 * Who may peek, through the packaged executable, on the real broker: a quorum dead-letter
 * queue with delivery-limit 2 fed by real rejects, and a plain classic one. A Viewer may
 * peek the classic DLQ (a requeue only marks messages redelivered) but gets a 403 saying
 * why on the quorum one; an alert evaluation never peeks; an Editor may peek while the
 * next delivery would not reach the delivery-limit, and is refused (403, with the reason,
 * Admin too) once it would. Afterwards the DLQ still holds every message, as the
 * management API shows.
 */
import * as amqp from 'amqplib';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame } from '../harness/grafana-frames';
import { waitUntil } from '../support/redis';
import { amqpUrl, api, API, deleteVhost, makeVhost, MONITOR } from '../systems/rabbitmq/broker';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let vhost: string;
let ds: DatasourceSettings;

const dead = { refId: 'A', json: { queryType: 'jobs', state: 'dead', queues: ['work.dlq'] } };
const queue = async (name: string) =>
  (await api('GET', `queues/${encodeURIComponent(vhost)}/${encodeURIComponent(name)}`)).body;

beforeAll(async () => {
  vhost = await makeVhost('peek-roles');
  const conn = await amqp.connect(amqpUrl(vhost));
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue('work.dlq', { durable: true, arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 2 } });
  await ch.assertQueue('work', {
    durable: true,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'work.dlq' },
  });
  await ch.assertQueue('mail.dlq', { durable: true });
  await ch.assertQueue('mail', {
    durable: true,
    arguments: { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'mail.dlq' },
  });
  for (let i = 0; i < 2; i++) {
    ch.sendToQueue('work', Buffer.from(`{"job":${i}}`), { messageId: `work-${i}` });
    ch.sendToQueue('mail', Buffer.from(`{"mail":${i}}`), { messageId: `mail-${i}` });
  }
  await ch.waitForConfirms();
  // A real consumer fails them: reject without requeue dead-letters each.
  const consumer = await conn.createChannel();
  for (const name of ['work', 'work', 'mail', 'mail']) {
    const m = await consumer.get(name, { noAck: false });
    if (!m) {
      throw new Error(`${name}: message missing`);
    }
    consumer.reject(m, false);
  }
  await consumer.close();
  await conn.close();
  // The management API counts them once its statistics have been collected.
  await waitUntil(
    'the DLQs in the management API',
    async () => (await queue('work.dlq')).messages === 2 && (await queue('mail.dlq')).messages === 2,
    30_000
  );
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  ds = {
    uid: `peek-roles-${vhost}`,
    jsonData: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost, allowPeek: true },
    secureJsonData: { password: MONITOR.password },
  };
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  if (vhost) {
    await deleteVhost(vhost);
  }
});

/** Ready messages of a queue, as the broker counts them now (a passive declare). */
async function ready(name: string): Promise<number> {
  const conn = await amqp.connect(amqpUrl(vhost));
  try {
    return (await (await conn.createChannel()).checkQueue(name)).messageCount;
  } finally {
    await conn.close();
  }
}

it('lets a Viewer peek the classic DLQ (a requeue only marks messages redelivered)', async () => {
  const { A } = await grafana.queryData(
    ds,
    [{ refId: 'A', json: { queryType: 'jobs', state: 'dead', queues: ['mail.dlq'] } }],
    {},
    'Viewer'
  );
  expect(A.status).toBe(200);
  expect(decodeFrame(A.frames[0]).fields.find((f) => f.name === 'id')!.values).toEqual(['mail-0', 'mail-1']);
});

it('refuses a Viewer the quorum DLQ with a 403 that says why, taking nothing', async () => {
  const { A } = await grafana.queryData(ds, [dead], {}, 'Viewer');
  expect(A).toMatchObject({ status: 403, errorSource: 'downstream', frames: [] });
  expect(A.error).toBe(
    'RabbitMQ: peeking here can change what happens to messages, so it needs the Editor or Admin role (you are Viewer): work.dlq is a quorum queue with delivery-limit 2: each peek raises x-delivery-count toward it'
  );
  const failures = await grafana.queryData(
    ds,
    [{ refId: 'A', json: { queryType: 'failures', queues: ['work.dlq'] } }],
    {},
    'None'
  );
  expect(failures.A).toMatchObject({ status: 403, errorSource: 'downstream' });
  expect(await ready('work.dlq')).toBe(2);
});

it('never peeks for an alert evaluation, whatever the role', async () => {
  const { A } = await grafana.queryData(ds, [dead], { FromAlert: 'true' }, 'Admin');
  expect(A).toMatchObject({ status: 403, errorSource: 'downstream' });
  expect(A.error).toMatch(/alert evaluations and requests without a Grafana user never peek/);
});

it('lets an Editor peek while the next delivery stays within the delivery-limit, then refuses everyone, also two at once', async () => {
  const first = (await grafana.queryData(ds, [dead], {}, 'Editor')).A;
  expect(first.status).toBe(200);
  const frame = decodeFrame(first.frames[0]);
  expect(frame.fields.find((f) => f.name === 'id')!.values).toEqual(['work-0', 'work-1']);
  expect(frame.meta!.notices.map((n: any) => n.text)).toContainEqual(
    expect.stringMatching(/x-delivery-count is now up to 1\)?; its delivery-limit is 2: 1 more peek/)
  );

  // Two Editors at once (two panels): their peeks take turns, and the second, deciding in
  // its turn, sees the counts the first left and is refused instead of dropping messages.
  const [a, b] = await Promise.all([
    grafana.queryData(ds, [dead], {}, 'Editor'),
    grafana.queryData(ds, [dead], {}, 'Editor'),
  ]);
  expect([a.A.status, b.A.status].sort()).toEqual([200, 403]);
  const second = a.A.status === 200 ? a.A : b.A;
  expect(second.status).toBe(200);
  expect(decodeFrame(second.frames[0]).meta!.notices.map((n: any) => n.text)).toContainEqual(
    expect.stringMatching(
      /x-delivery-count is now up to 2\)?; its delivery-limit is 2: the next peek drops or dead-letters/
    )
  );

  for (const role of ['Editor', 'Admin']) {
    const { A } = await grafana.queryData(ds, [dead], {}, role);
    expect(A).toMatchObject({ status: 403, errorSource: 'downstream', frames: [] });
    expect(A.error).toBe(
      'RabbitMQ: peek refused for every role: work.dlq is a quorum queue with delivery-limit 2 and its messages have been delivered 2 time(s) (x-delivery-count seen by the last peek): the next delivery makes the broker drop or dead-letter them; move them to another queue (e.g. a shovel) to browse them again'
    );
  }
});

it('leaves the DLQ holding every message, as the management API shows', async () => {
  expect(await ready('work.dlq')).toBe(2);
  // The management API's own look (the one delivery they have left): both messages, each
  // delivered twice before (the Editor's two peeks), none by the refused queries.
  const { body } = await api<any[]>('POST', `queues/${encodeURIComponent(vhost)}/work.dlq/get`, {
    count: 10,
    ackmode: 'ack_requeue_true',
    encoding: 'auto',
  });
  expect(body.map((m) => [m.properties.message_id, m.properties.headers['x-delivery-count']])).toEqual([
    ['work-0', 2],
    ['work-1', 2],
  ]);
});

it('browses the queue again once the counted messages are gone', async () => {
  // The look above was their third delivery: past delivery-limit 2, the broker dropped them.
  await waitUntil('work.dlq emptied', async () => (await queue('work.dlq')).messages === 0, 30_000);
  const empty = (await grafana.queryData(ds, [dead], {}, 'Editor')).A;
  expect(empty.status).toBe(200);
  // New dead letters start from x-delivery-count 0: an Editor may peek them.
  const conn = await amqp.connect(amqpUrl(vhost));
  const ch = await conn.createConfirmChannel();
  ch.sendToQueue('work', Buffer.from('{"job":2}'), { messageId: 'work-2' });
  await ch.waitForConfirms();
  const consumer = await conn.createChannel();
  const m = await consumer.get('work', { noAck: false });
  if (!m) {
    throw new Error('work: message missing');
  }
  consumer.reject(m, false);
  await consumer.close();
  await conn.close();
  await waitUntil('the new dead letter listed', async () => (await queue('work.dlq')).messages === 1, 30_000);
  const again = (await grafana.queryData(ds, [dead], {}, 'Editor')).A;
  expect(again.status).toBe(200);
  expect(decodeFrame(again.frames[0]).fields.find((f) => f.name === 'id')!.values).toEqual(['work-2']);
}, 90_000);
