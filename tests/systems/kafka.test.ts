/**
 * The `kafka` kind in-process against the loopback Kafka broker: lag of groups whose
 * offsets were committed by real kafkajs consumers, compared with kafkajs' own
 * admin.fetchOffsets + admin.fetchTopicOffsets on the same state; dead-letter topics;
 * members; proof that reads leave no trace (no group created, no offset moved). Then the
 * same kind through the packaged executable, as Grafana runs it: CheckHealth, an overview
 * whose lag matches kafkajs' admin API, alerting-safe label sets, and failures in Grafana's
 * terms (broker down 502, unknown group 404). One file, so that the two never create and
 * delete topics at the same time (cluster metadata fails while topics churn).
 */
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { KafkaSource } from '../../pkg/systems/kafka/kafka-source';
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/protocol/logger';
import type { JobscopeQuery } from '../../pkg/query/model';
import { JobscopeError } from '../../pkg/errors/errors';
import { adminLag, BROKERS, describeKafka, KafkaState, makeKafkaState } from './kafka/cluster';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';

const log = {} as Logger;
const window = () => ({ from: Date.now() - 3600_000, to: Date.now(), now: Date.now(), intervalMs: 60_000 });

function source(json: Record<string, unknown>): KafkaSource {
  const config: DatasourceConfig = {
    uid: 'kafka',
    name: 'kafka',
    kind: 'kafka',
    json: { kind: 'kafka', url: BROKERS, ...json } as never,
    secure: {},
    version: 1,
  };
  return new KafkaSource(config, log);
}

const q = (json: Partial<JobscopeQuery>): JobscopeQuery => ({ refId: 'A', ...json });

describeKafka('kafka source', () => {
  let state: KafkaState;
  let ks: KafkaSource;

  beforeAll(async () => {
    state = await makeKafkaState('src');
    ks = source({ dlqTopics: `graveyard-${state.suffix}` });
  }, 60_000);

  afterAll(async () => {
    await ks?.close();
    await state?.release();
  }, 60_000);

  const value = (stats: any[], queue: string, metric: string) => stats.find((s) => s.queue === queue)?.values[metric];

  it('reports the lag kafkajs computes from fetchOffsets + fetchTopicOffsets, and members', async () => {
    const r = await ks.read(q({ queues: [`*-${state.suffix}/*`] }), window());
    if (r.type !== 'overview') throw new Error(r.type);
    const stopped = `${state.stopped}/${state.topic}`;
    const live = `${state.live}/${state.topic}`;
    expect(value(r.stats, stopped, 'wait')).toBe(16); // p0 done, p1 6 left, p2 never committed: 10
    expect(value(r.stats, stopped, 'wait')).toBe(await adminLag(state.admin, state.stopped, state.topic));
    expect(value(r.stats, live, 'wait')).toBe(await adminLag(state.admin, state.live, state.topic));
    expect(r.stats.find((s) => s.queue === live)?.values).toEqual({ wait: 0, workers: 1, stalled: 0, dead: 4 });
    // The stopped group left with lag: Burrow's STOP → stalled.
    expect(r.stats.find((s) => s.queue === stopped)?.values).toEqual({ wait: 16, workers: 0, stalled: 1, dead: 4 });
    expect(r.notices.map((n) => n.text).join('\n')).toContain(`${stopped}: STOP`);
  });

  it('counts dead-letter topics by name (<topic>.DLT) and by setting (dlqTopics)', async () => {
    const r = await ks.read(q({ queues: [state.dlt, state.graveyard], metrics: ['dead'] }), window());
    if (r.type !== 'overview') throw new Error(r.type);
    const marks = await state.admin.fetchTopicOffsets(state.dlt);
    expect(r.stats).toEqual([
      { system: 'kafka', queue: state.graveyard, values: { dead: 2 } },
      { system: 'kafka', queue: state.dlt, values: { dead: Number(marks[0].high) - Number(marks[0].low) } },
    ]);
    expect(r.stats[1].values.dead).toBe(4);
    // Without the setting, the graveyard topic is not a queue.
    const plain = source({});
    await expect(plain.read(q({ queues: [state.graveyard] }), window())).rejects.toMatchObject({ status: 404 });
    await plain.close();
  });

  it('lists queues <group>/<topic> and the live group members as workers', async () => {
    const queues = (await ks.listQueues()).filter((x) => x.queue.includes(state.suffix)).map((x) => x.queue);
    expect(queues.sort()).toEqual(
      [`${state.live}/${state.topic}`, `${state.stopped}/${state.topic}`, state.dlt, state.graveyard].sort()
    );
    const described = (await state.admin.describeGroups([state.live])).groups[0];
    const r = await ks.read(q({ queryType: 'workers', queues: [`${state.live}/*`] }), window());
    if (r.type !== 'workers') throw new Error(r.type);
    expect(r.rows).toEqual([
      {
        system: 'kafka',
        name: `${state.live}: ${described.members[0].memberId}`,
        host: described.members[0].clientHost.replace(/^\//, ''),
        queues: [`${state.live}/${state.topic}`],
        busy: 3,
        alive: true,
      },
    ]);
  });

  it('answers an unknown group with 404 and names the queue format', async () => {
    const err = await ks
      .read(q({ queues: [`no-such-group-${state.suffix}/${state.topic}`] }), window())
      .catch((e) => e);
    expect(err).toBeInstanceOf(JobscopeError);
    expect(err).toMatchObject({ status: 404, source: 'downstream' });
    expect(err.message).toMatch(/<consumer group>\/<topic>/);
    // One missing among found ones: a partial answer and a notice.
    const r = await ks.read(q({ queues: [`nope-${state.suffix}/x`, `${state.live}/${state.topic}`] }), window());
    expect(r.notices.some((n) => n.severity === 'warning' && n.text.includes('not found'))).toBe(true);
  });

  it('reads without side effects: no group created, no committed offset moved', async () => {
    const before = (await state.admin.listGroups()).groups.map((g) => g.groupId).sort();
    const offsets = await state.admin.fetchOffsets({ groupId: state.stopped });
    for (const queryType of ['overview', 'workers', 'jobs', 'failures', 'timeseries'] as const) {
      await ks.read(q({ queryType, state: 'dead' }), window());
    }
    await ks.checkHealth();
    expect((await state.admin.listGroups()).groups.map((g) => g.groupId).sort()).toEqual(before);
    expect(await state.admin.fetchOffsets({ groupId: state.stopped })).toEqual(offsets);
  });

  it('reads the lag of a KIP-848 group (Java client, group.protocol=consumer) and leaves its members out', async () => {
    const libs = process.env.JOBSCOPE_KAFKA_LIBS || '/var/tmp/jobscope-kafka/libs';
    if (!existsSync(libs)) {
      console.warn(`KIP-848 test skipped: no Kafka client jars in ${libs} (set JOBSCOPE_KAFKA_LIBS)`);
      return;
    }
    const group = `k848-${state.suffix}`;
    // The consumer polls, commits and leaves cleanly; the group (Empty) keeps its offsets.
    const java = spawn(
      'java',
      ['-cp', `${libs}/*`, join(__dirname, 'kafka', 'NewConsumer.java'), group, state.topic, '6000'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      }
    );
    let out = '';
    java.stdout.on('data', (d: Buffer) => (out += d.toString()));
    java.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => java.on('exit', resolve));
    expect({ code, consumed: out.includes('polled 30') }).toEqual({ code: 0, consumed: true });
    try {
      // kafkajs' own view first: it also waits out the coordinator settling after the leave.
      const expectedLag = await adminLag(state.admin, group, state.topic);
      const r = await ks.read(q({ queues: [`${group}/${state.topic}`] }), window());
      if (r.type !== 'overview') throw new Error(r.type);
      expect(r.stats).toEqual([
        {
          system: 'kafka',
          queue: `${group}/${state.topic}`,
          values: { wait: expectedLag, stalled: 0, dead: 4 },
        },
      ]);
      expect(r.stats[0].values.wait).toBe(0);
      expect(r.notices.map((n) => n.text).join('\n')).toContain(
        `${group} uses the new consumer group protocol (KIP-848)`
      );
    } finally {
      await state.admin.deleteGroups([group]);
    }
  }, 60_000);

  it('says what it cannot browse instead of failing', async () => {
    const r = await ks.read(q({ queryType: 'jobs', state: 'dead' }), window());
    expect(r).toMatchObject({ type: 'jobs', rows: [] });
    expect(r.notices[0].text).toMatch(/consumer group, which writes/);
  });

  it('fails fast with 502 when no broker answers', async () => {
    const down = new KafkaSource(
      { uid: 'd', name: 'd', kind: 'kafka', json: { kind: 'kafka', url: '127.0.0.1:1' }, secure: {}, version: 1 },
      log
    );
    const started = Date.now();
    const err = await down.checkHealth().catch((e) => e);
    expect(err).toMatchObject({ status: 502, source: 'downstream' });
    expect(err.message).toMatch(/127\.0\.0\.1:1 unreachable/);
    expect(Date.now() - started).toBeLessThan(15_000);
    await down.close();
  });

  it('rejects malformed settings with 400', () => {
    expect(() => source({ url: '' })).toThrow(/bootstrap brokers/);
    expect(() => source({ url: 'http://x' })).toThrow(/not host:port/);
    expect(() => source({ saslMechanism: 'gssapi' })).toThrow(/SASL mechanism/);
  });
});

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
  }, 60_000);

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
