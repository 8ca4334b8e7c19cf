/**
 * The `rabbitmq` kind through the packaged executable, as Grafana runs it: CheckHealth,
 * an overview compared with the management API, the topology resource, and everything
 * answered as the read-only monitoring user; failures in Grafana's terms.
 */
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { ADMIN, API, api, deleteVhost, makeRabbitState, MONITOR, RabbitState } from './rabbitmq/broker';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let state: RabbitState;
let ds: DatasourceSettings;
let ro: DatasourceSettings;

beforeAll(async () => {
  [plugin, state] = await Promise.all([startPlugin(), makeRabbitState('plugin')]);
  grafana = new GrafanaClient(plugin.target);
  ds = {
    uid: `rmq-${state.vhost}`,
    jsonData: { kind: 'rabbitmq', managementUrl: API, username: ADMIN.user, vhost: state.vhost },
    secureJsonData: { password: ADMIN.password },
  };
  ro = {
    uid: `rmq-ro-${state.vhost}`,
    jsonData: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost: state.vhost, allowPeek: true },
    secureJsonData: { password: MONITOR.password },
  };
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await state?.release();
  if (state) {
    await deleteVhost(state.vhost);
  }
});

it('says in CheckHealth which broker and how many queues it found', async () => {
  const health = await grafana.checkHealth(ds);
  expect(health.message).toBe(
    `Connected to RabbitMQ 3.10.8 (cluster rabbit@${(await api('GET', 'overview')).body.cluster_name.split('@')[1]}), vhost "${state.vhost}". Found 6 rabbitmq queues.`
  );
  expect(health.status).toBe(1);
});

it('answers an overview whose values match /api/queues/<vhost>/<queue>, unique per label set (alerting)', async () => {
  const responses = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview' } }], {
    FromAlert: 'true',
  });
  expect(responses.A.status).toBe(200);
  const values = readNumeric(responses.A.frames.map(decodeFrame)); // throws on duplicate label sets
  for (const name of ['orders', 'orders.dlq', 'emails.dlq', 'ttl.expired']) {
    const own = (await api('GET', `queues/${encodeURIComponent(state.vhost)}/${encodeURIComponent(name)}`)).body;
    const get = (metric: string) => values.find((v) => v.labels.queue === name && v.metric === metric)?.value;
    expect([name, get('wait'), get('active'), get('workers'), get('consumer_utilisation')]).toEqual([
      name,
      own.messages_ready,
      own.messages_unacknowledged,
      own.consumers,
      // RabbitMQ's own figure where it has one (a queue with consumers), absent otherwise.
      own.consumer_utilisation ?? undefined,
    ]);
  }
  // `orders` has a consumer (holding one message unacked): RabbitMQ measures its utilisation.
  expect(
    values.find((v) => v.labels.queue === 'orders' && v.metric === 'consumer_utilisation')?.value
  ).toBeGreaterThanOrEqual(0);
  expect(values.find((v) => v.labels.queue === 'orders.dlq' && v.metric === 'dead')).toMatchObject({
    labels: { system: 'rabbitmq', queue: 'orders.dlq', metric: 'dead' },
    value: 3,
  });
});

it('serves the dead-letter topology through CallResource', async () => {
  const res = await grafana.callResource(ds, 'GET', 'topology');
  expect(res.code).toBe(200);
  const topo = JSON.parse(res.body);
  expect(topo.edges.map((e: any) => `${e.from}->${e.to}`).sort()).toEqual([
    'emails->emails.dlq',
    'orders->orders.dlq',
    'ttl->ttl.expired',
  ]);
  expect((await grafana.callResource(ds, 'GET', 'no-such')).code).toBe(404);
});

it('answers every query type as the monitoring user with read-only permissions', async () => {
  const types = ['overview', 'timeseries', 'failures', 'workers', 'queues'].map((t) => ({
    refId: t,
    json: { queryType: t },
  }));
  const jobs = ['dead', 'failed', 'waiting', 'retry', 'delayed', 'active', 'stalled', 'completed'].map((st) => ({
    refId: `jobs-${st}`,
    json: { queryType: 'jobs', state: st },
  }));
  const responses = await grafana.queryData(ro, [...types, ...jobs]);
  for (const [refId, r] of Object.entries(responses)) {
    expect({ refId, error: r.error ?? '', status: r.status }).toEqual({ refId, error: '', status: 200 });
  }
  const dead = decodeFrame(responses['jobs-dead'].frames[0]);
  expect(dead.fields.find((f) => f.name === 'queue')!.values.length).toBe(6);
  expect((await grafana.checkHealth(ro)).status).toBe(1);
  expect((await grafana.callResource(ro, 'GET', 'topology')).code).toBe(200);
});

it('reports a down broker and a wrong password in Grafana terms, never the password', async () => {
  const down = await grafana.checkHealth({
    uid: 'rmq-down',
    jsonData: { kind: 'rabbitmq', managementUrl: 'http://127.0.0.1:1' },
  });
  expect(down.status).toBe(2);
  expect(down.message).toMatch(/unreachable \(ECONNREFUSED\)/);
  const wrong = await grafana.checkHealth({
    ...ds,
    uid: 'rmq-wrong',
    secureJsonData: { password: 'not-the-password-xyz' },
  });
  expect(wrong.message).toMatch(/refused the credentials of user "jobscope"/);
  expect(wrong.message).not.toContain('not-the-password-xyz');
});
