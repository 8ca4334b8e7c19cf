/**
 * The `kafka` kind through the packaged executable, as Grafana runs it: CheckHealth, an
 * overview whose lag matches kafkajs' own admin API on a state made by real consumers,
 * alerting-safe label sets, and failures in Grafana's terms (broker down 502, unknown group 404).
 */
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { adminLag, BROKERS, describeKafka, KafkaState, makeKafkaState } from './kafka/cluster';

describeKafka('kafka through the plugin executable', () => {
  let plugin: PluginProcess;
  let grafana: GrafanaClient;
  let state: KafkaState;
  let ds: DatasourceSettings;

  beforeAll(async () => {
    [plugin, state] = await Promise.all([startPlugin(), makeKafkaState('plugin')]);
    grafana = new GrafanaClient(plugin.target);
    ds = { uid: `kafka-${state.suffix}`, jsonData: { kind: 'kafka', url: BROKERS } };
  }, 90_000);

  afterAll(async () => {
    grafana?.close();
    plugin?.kill();
    await state?.release();
  });

  it('says in CheckHealth which cluster, how many brokers, topics and groups', async () => {
    const health = await grafana.checkHealth(ds);
    const cluster = await state.admin.describeCluster();
    expect(health.status).toBe(1);
    expect(health.message).toMatch(
      new RegExp(
        `^Connected to Kafka cluster ${cluster.clusterId} \\(1 broker, \\d+ topics, \\d+ consumer groups\\)\\. Found \\d+ kafka queues`
      )
    );
  });

  it('answers an overview whose lag matches kafkajs fetchOffsets + fetchTopicOffsets (alerting)', async () => {
    const responses = await grafana.queryData(
      ds,
      [{ refId: 'A', json: { queryType: 'overview', queues: [`*-${state.suffix}/*`] } }],
      { FromAlert: 'true' }
    );
    expect(responses.A.status).toBe(200);
    const values = readNumeric(responses.A.frames.map(decodeFrame)); // throws on duplicate label sets
    const get = (group: string, metric: string) =>
      values.find((v) => v.labels.queue === `${group}/${state.topic}` && v.metric === metric);
    expect(get(state.stopped, 'wait')).toMatchObject({
      labels: { system: 'kafka', queue: `${state.stopped}/${state.topic}` },
      value: await adminLag(state.admin, state.stopped, state.topic),
    });
    expect(get(state.stopped, 'wait')!.value).toBe(16);
    expect(get(state.live, 'wait')!.value).toBe(await adminLag(state.admin, state.live, state.topic));
    expect([get(state.stopped, 'stalled')!.value, get(state.live, 'stalled')!.value]).toEqual([1, 0]);
    expect([get(state.stopped, 'workers')!.value, get(state.live, 'workers')!.value]).toEqual([0, 1]);
    expect(get(state.live, 'dead')!.value).toBe(4);
  });

  it('reports a down broker (502) and an unknown group (404) in Grafana terms', async () => {
    const downDs = { uid: 'kafka-down', jsonData: { kind: 'kafka', url: '127.0.0.1:1' } };
    const down = await grafana.checkHealth(downDs);
    expect(down.status).toBe(2);
    expect(down.message).toMatch(/127\.0\.0\.1:1 unreachable/);
    const downQuery = await grafana.queryData(downDs, [{ refId: 'A', json: { queryType: 'overview' } }]);
    expect(downQuery.A).toMatchObject({ status: 502, errorSource: 'downstream' });
    const responses = await grafana.queryData(ds, [
      { refId: 'missing', json: { queues: [`no-such-group-${state.suffix}/${state.topic}`] } },
      { refId: 'good', json: { queues: [`${state.stopped}/${state.topic}`], metrics: ['wait'] } },
    ]);
    expect(responses.missing).toMatchObject({ status: 404, errorSource: 'downstream' });
    expect(readNumeric(responses.good.frames.map(decodeFrame))).toEqual([
      { metric: 'wait', labels: { system: 'kafka', queue: `${state.stopped}/${state.topic}` }, value: 16 },
    ]);
  });
});
