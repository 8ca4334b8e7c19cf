/**
 * The `nats` kind through the packaged executable, as Grafana runs it: CheckHealth, an
 * overview compared with jsm.consumers.info, dead messages as a table, the queues resource,
 * and failures in Grafana's terms (down server 502, unknown stream/consumer 404 next to a
 * query that still answers).
 */
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { makeNatsState, NATS_URL, NatsState, TRACE_ID } from './nats/state';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let state: NatsState;
let ds: DatasourceSettings;

beforeAll(async () => {
  [plugin, state] = await Promise.all([startPlugin(), makeNatsState()]);
  grafana = new GrafanaClient(plugin.target);
  ds = { uid: `nats-${state.sfx}`, jsonData: { kind: 'nats', url: NATS_URL, advisoryStream: state.advisories } };
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await state?.release();
});

it('says in CheckHealth which server and how many consumers it found', async () => {
  const health = await grafana.checkHealth(ds);
  expect(health.status).toBe(1);
  expect(health.message).toMatch(
    /^Connected to NATS 2\.\d+\.\d+ .*with JetStream \(\d+ streams?, \d+ consumers?\)\. Found \d+ jetstream queues?\.$/
  );
  const details = JSON.parse(health.jsonDetails!.toString());
  expect(details.notices[0]).toMatch(/^JetStream account: /);
});

it('answers an overview whose values match jsm.consumers.info, unique per label set (alerting)', async () => {
  const responses = await grafana.queryData(
    ds,
    [{ refId: 'A', json: { queryType: 'overview', queues: [`${state.stream}/*`] } }],
    {
      FromAlert: 'true',
    }
  );
  expect(responses.A.status).toBe(200);
  const values = readNumeric(responses.A.frames.map(decodeFrame)); // throws on duplicate label sets
  const get = (c: string, metric: string) =>
    values.find((v) => v.labels.queue === `${state.stream}/${c}` && v.metric === metric)?.value;
  for (const c of ['idle', 'poller', 'worker']) {
    const own = await state.jsm.consumers.info(state.stream, c);
    expect([c, get(c, 'wait'), get(c, 'active'), get(c, 'retries'), get(c, 'workers')]).toEqual([
      c,
      own.num_pending,
      own.num_ack_pending,
      own.num_redelivered,
      own.num_waiting,
    ]);
  }
  expect([get('worker', 'dead'), get('idle', 'dead')]).toEqual([4, 0]);
  expect(values.find((v) => v.labels.queue === `${state.stream}/worker` && v.metric === 'wait')!.labels).toEqual({
    system: 'jetstream',
    queue: `${state.stream}/worker`,
    metric: 'wait',
  });
  expect(get('worker', 'oldest_wait_seconds')).toBeGreaterThan(0);
});

it('lists dead messages as a table with payload and trace id, and serves the queues', async () => {
  const responses = await grafana.queryData(ds, [
    {
      refId: 'dead',
      json: { queryType: 'jobs', state: 'dead', queues: [`${state.stream}/worker`], search: 'email-4' },
    },
    { refId: 'queues', json: { queryType: 'queues' } },
  ]);
  expect(responses.dead.status).toBe(200);
  const frame = decodeFrame(responses.dead.frames[0]);
  const col = (name: string) => frame.fields.find((f) => f.name === name)?.values;
  expect(col('id')).toEqual(['email-4 (seq 4)']);
  expect(JSON.stringify(frame.fields.map((f) => f.values))).toContain(TRACE_ID);
  expect(JSON.stringify(frame.fields.map((f) => f.values))).toContain('user4@example.com');
  const queues = decodeFrame(responses.queues.frames[0]);
  const names = queues.fields.find((f) => f.name === 'queue')!.values as string[];
  expect(names.filter((n) => n.startsWith(`${state.stream}/`))).toEqual(
    ['idle', 'poller', 'worker'].map((c) => `${state.stream}/${c}`)
  );
});

it('lists the waiting messages of a consumer as a table, read by sequence without consuming', async () => {
  const before = await state.jsm.consumers.info(state.stream, 'worker');
  const responses = await grafana.queryData(ds, [
    { refId: 'waiting', json: { queryType: 'jobs', state: 'waiting', queues: [`${state.stream}/worker`] } },
    { refId: 'active', json: { queryType: 'jobs', state: 'active', queues: [`${state.stream}/worker`] } },
  ]);
  expect(responses.waiting.status).toBe(200);
  const frame = decodeFrame(responses.waiting.frames[0]);
  const col = (name: string) => frame.fields.find((f) => f.name === name)?.values;
  // delivered.stream_seq is 7: the .email messages published after it, seq 8–10.
  expect(col('id')).toEqual(['email-8 (seq 8)', 'email-9 (seq 9)', 'email-10 (seq 10)']);
  expect(col('state')).toEqual(['waiting', 'waiting', 'waiting']);
  expect(JSON.stringify(frame.fields.map((f) => f.values))).toContain('user9@example.com');
  const active = decodeFrame(responses.active.frames[0]);
  // Between the ack floor (2) and the last delivered (7); the frame's notice says some may be done.
  expect(active.fields.find((f) => f.name === 'id')?.values).toEqual(
    [3, 4, 5, 6, 7].map((n) => `email-${n} (seq ${n})`)
  );
  const after = await state.jsm.consumers.info(state.stream, 'worker');
  expect([after.delivered, after.ack_floor, after.num_pending, after.num_ack_pending, after.num_redelivered]).toEqual([
    before.delivered,
    before.ack_floor,
    before.num_pending,
    before.num_ack_pending,
    before.num_redelivered,
  ]);
});

it('reports a down server and an unknown stream in Grafana terms', async () => {
  const down = await grafana.checkHealth({ uid: 'nats-down', jsonData: { kind: 'nats', url: 'nats://127.0.0.1:1' } });
  expect([down.status, down.message]).toEqual([2, 'NATS server at 127.0.0.1:1 is unreachable (connection refused)']);
  const downQuery = await grafana.queryData(
    { uid: 'nats-down-q', jsonData: { kind: 'nats', url: 'nats://127.0.0.1:1' } },
    [{ refId: 'A', json: {} }]
  );
  expect(downQuery.A).toMatchObject({ status: 502, errorSource: 'downstream' });
  const responses = await grafana.queryData(ds, [
    { refId: 'stream', json: { queues: [`NO_SUCH_${state.sfx}/worker`] } },
  ]);
  expect(responses.stream).toMatchObject({ status: 404, errorSource: 'downstream' });
});
