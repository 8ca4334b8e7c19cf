/**
 * The `kafka` kind in-process against the loopback Kafka broker: lag of groups whose
 * offsets were committed by real kafkajs consumers, compared with kafkajs' own
 * admin.fetchOffsets + admin.fetchTopicOffsets on the same state; time lag against the
 * create timestamps the producer set; the per-partition table; dead-letter topics counted
 * and browsed (Spring and Connect headers, binary, 10 MB, gzip); proof that reads leave no
 * trace (no group created, no offset moved, no message added). Then the same kind through
 * the packaged executable, as Grafana runs it: CheckHealth, an overview whose lag and time
 * lag match, alerting-safe label sets, and failures in Grafana's terms (broker down 502,
 * unknown group 404). One file, so that the two never create and delete topics at the same
 * time (cluster metadata fails while topics churn).
 */
import { spawn } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { kafkaSource, KafkaSource } from '../../pkg/kinds/kafka/kafka-kind';
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import { JobscopeError } from '../../pkg/errors/errors';
import { CompressionTypes } from 'kafkajs';
import { clusterFactory } from '../../pkg/kinds/kafka/fetch';
import {
  adminLag,
  BROKERS,
  createTopicsWithLeaders,
  describeKafka,
  kafka,
  KafkaState,
  makeKafkaState,
} from './kafka/cluster';
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
  return kafkaSource(config, log);
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

  it('finds the kafkajs internals the plain Fetch relies on (kafkajs 2.2.x)', () => {
    expect(typeof clusterFactory(kafka())).toBe('function');
  });

  it('reports the lag kafkajs computes from fetchOffsets + fetchTopicOffsets, the time lag, and members', async () => {
    const before = Date.now();
    const r = await ks.read(q({ queues: [`*-${state.suffix}/*`] }), window());
    const after = Date.now();
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
    const stopped = `${state.stopped}/${state.topic}`;
    const live = `${state.live}/${state.topic}`;
    expect(value(r.stats, stopped, 'wait')).toBe(16); // p0 done, p1 6 left, p2 never committed: 10
    expect(value(r.stats, stopped, 'wait')).toBe(await adminLag(state.admin, state.stopped, state.topic));
    expect(value(r.stats, live, 'wait')).toBe(await adminLag(state.admin, state.live, state.topic));
    expect(r.stats.find((s) => s.queue === live)?.values).toEqual({
      wait: 0,
      oldest_wait_seconds: 0,
      workers: 1,
      stalled: 0,
      dead: 4,
    });
    // The stopped group left with lag: Burrow's STOP → stalled. Its time lag is the age of
    // the oldest next message: p2 at the log start (offset 0), produced ~1 h ago.
    const { oldest_wait_seconds: oldest, ...rest } = r.stats.find((s) => s.queue === stopped)!.values;
    expect(rest).toEqual({ wait: 16, workers: 0, stalled: 1, dead: 4 });
    const produced = state.producedAt(2, 0);
    expect(oldest).toBeGreaterThanOrEqual((before - produced) / 1000);
    expect(oldest).toBeLessThanOrEqual((after - produced) / 1000);
    expect(r.notices.map((n) => n.text).join('\n')).toContain(`${stopped}: STOP`);
  });

  it('counts dead-letter topics by name (<topic>.DLT) and by setting (dlqTopics)', async () => {
    const r = await ks.read(q({ queues: [state.dlt, state.graveyard], metrics: ['dead'] }), window());
    if (r.type !== 'overview') {
      throw new Error(r.type);
    }
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

  it('lists queues <group>/<topic>, and a workers table per partition: offsets, lag, time lag, owner, status', async () => {
    const queues = (await ks.listQueues()).filter((x) => x.queue.includes(state.suffix)).map((x) => x.queue);
    expect(queues.sort()).toEqual(
      [`${state.live}/${state.topic}`, `${state.stopped}/${state.topic}`, state.dlt, state.graveyard].sort()
    );
    const member = (await state.admin.describeGroups([state.live])).groups[0].members[0];
    const owner = `${member.clientId}@${member.clientHost.replace(/^\//, '')}`;
    const before = Date.now();
    const r = await ks.read(q({ queryType: 'workers', queues: [`*-${state.suffix}/${state.topic}`] }), window());
    const after = Date.now();
    if (r.type !== 'workers') {
      throw new Error(r.type);
    }
    const columns = r.rows.map((row) => row.columns as Record<string, any>);
    // Parity with kafkajs' admin API on the same state, partition by partition.
    const marks = await state.admin.fetchTopicOffsets(state.topic);
    for (const group of [state.live, state.stopped]) {
      const [committed] = await state.admin.fetchOffsets({ groupId: group, topics: [state.topic] });
      for (const m of marks) {
        const c = Number(committed.partitions.find((p) => p.partition === m.partition)!.offset);
        const row = columns.find((x) => x.group === group && x.partition === m.partition);
        expect(row).toMatchObject({
          topic: state.topic,
          committed: c < 0 ? null : c,
          high_watermark: Number(m.high),
          lag: Number(m.high) - (c < 0 ? Number(m.low) : c),
        });
      }
    }
    expect(
      columns.filter((x) => x.group === state.live).map((x) => [x.partition, x.time_lag_seconds, x.member, x.status])
    ).toEqual([
      [0, 0, owner, 'OK'],
      [1, 0, owner, 'OK'],
      [2, 0, owner, 'OK'],
    ]);
    const stopped = columns.filter((x) => x.group === state.stopped);
    expect(stopped.map((x) => [x.partition, x.lag, x.member, x.status])).toEqual([
      [0, 0, null, 'STOP'],
      [1, 6, null, 'STOP'],
      [2, 10, null, 'STOP'],
    ]);
    // p1: the next message is offset 4, in the middle of its batch (not the batch's first).
    for (const [partition, offset] of [
      [1, 4],
      [2, 0],
    ]) {
      const t = stopped[partition].time_lag_seconds;
      expect(t).toBeGreaterThanOrEqual((before - state.producedAt(partition, offset)) / 1000);
      expect(t).toBeLessThanOrEqual((after - state.producedAt(partition, offset)) / 1000);
    }
    expect(stopped[0].time_lag_seconds).toBe(0);
    expect(r.rows.find((x) => x.name === `${state.live}/${state.topic} [1]`)).toMatchObject({
      system: 'kafka',
      host: owner,
      queues: [`${state.live}/${state.topic}`],
      alive: true,
    });
  });

  it('names the queue format in the 404 for an unknown group', async () => {
    const err = await ks
      .read(q({ queues: [`no-such-group-${state.suffix}/${state.topic}`] }), window())
      .catch((e) => e);
    expect(err).toBeInstanceOf(JobscopeError);
    expect(err).toMatchObject({ status: 404, source: 'downstream' });
    expect(err.message).toMatch(/<consumer group>\/<topic>/);
  });

  it('reads without side effects: no group created, no committed offset moved, no message added', async () => {
    const before = (await state.admin.listGroups()).groups.map((g) => g.groupId).sort();
    const offsets = await Promise.all(
      [state.stopped, state.live].map((groupId) => state.admin.fetchOffsets({ groupId }))
    );
    const marks = await Promise.all([state.topic, state.dlt].map((t) => state.admin.fetchTopicOffsets(t)));
    let timeLagRead = false;
    let dlqRead = 0;
    for (const queryType of ['overview', 'workers', 'jobs', 'failures', 'timeseries'] as const) {
      const r = await ks.read(q({ queryType, state: 'dead', queues: [`*-${state.suffix}/*`, state.dlt] }), window());
      // The plain Fetch path did run: a time lag and dead letters came back.
      if (r.type === 'overview') {
        timeLagRead = r.stats.some((s) => (s.values.oldest_wait_seconds ?? 0) > 0);
      }
      if (r.type === 'jobs') {
        dlqRead = r.rows.length;
      }
    }
    await ks.checkHealth();
    expect({ timeLagRead, dlqRead }).toEqual({ timeLagRead: true, dlqRead: 4 });
    expect((await state.admin.listGroups()).groups.map((g) => g.groupId).sort()).toEqual(before);
    expect(
      await Promise.all([state.stopped, state.live].map((groupId) => state.admin.fetchOffsets({ groupId })))
    ).toEqual(offsets);
    expect(await Promise.all([state.topic, state.dlt].map((t) => state.admin.fetchTopicOffsets(t)))).toEqual(marks);
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
      if (r.type !== 'overview') {
        throw new Error(r.type);
      }
      expect(r.stats).toEqual([
        {
          system: 'kafka',
          queue: `${group}/${state.topic}`,
          values: { wait: expectedLag, oldest_wait_seconds: 0, stalled: 0, dead: 4 },
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

  it('browses dead letters newest first: Spring and Connect headers, binary, gzip, 10 MB; failures grouped', async () => {
    const dlq = `dead-${state.suffix}-dlq`;
    const k = kafka();
    await createTopicsWithLeaders(state.admin, [
      { topic: dlq, numPartitions: 2, configEntries: [{ name: 'max.message.bytes', value: String(12 * 1024 * 1024) }] },
    ]);
    const producer = k.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const t0 = Date.now() - 600_000;
      const long = (n: number) => {
        const b = Buffer.alloc(8);
        b.writeBigInt64BE(BigInt(n));
        return b;
      };
      const spring = (i: number) => ({
        'kafka_dlt-exception-fqcn': 'org.springframework.kafka.listener.ListenerExecutionFailedException',
        'kafka_dlt-exception-message': `Listener failed; order ${1000 + i} not found`,
        'kafka_dlt-exception-stacktrace': `ListenerExecutionFailedException: order ${1000 + i}\n\tat com.acme.Orders.handle(Orders.java:42)`,
        'kafka_dlt-original-topic': 'orders',
        'kafka_dlt-original-offset': long(500 + i),
        'kafka_dlt-original-timestamp': long(t0 - 60_000),
      });
      // p0: three Spring dead letters, one per send (own batches), one second apart.
      for (let i = 0; i < 3; i++) {
        await producer.send({
          topic: dlq,
          messages: [
            {
              partition: 0,
              key: `order-${i}`,
              value: JSON.stringify({ order: 1000 + i }),
              timestamp: String(t0 + i * 1000),
              headers: spring(i),
            },
          ],
        });
      }
      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      await producer.send({
        topic: dlq,
        messages: [
          {
            partition: 1,
            key: Buffer.from([0xff, 0x00]),
            value: Buffer.from([0, 1, 2, 255, 254]),
            timestamp: String(t0 + 10_000),
            headers: {
              '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
              '__connect.errors.exception.message': 'Converting byte[] to Kafka Connect data failed',
              traceparent: `00-${trace}-00f067aa0ba902b7-01`,
            },
          },
        ],
      });
      // A gzip batch of two, then 10 MB of text on p1 (the newest message of all).
      await producer.send({
        topic: dlq,
        compression: CompressionTypes.GZIP,
        messages: [20, 21].map((n) => ({
          partition: 1,
          value: JSON.stringify({ n }),
          timestamp: String(t0 + n * 1000),
          headers: spring(n),
        })),
      });
      const big = Buffer.alloc(10 * 1024 * 1024, 'x');
      await producer.send({
        topic: dlq,
        messages: [{ partition: 1, key: 'big', value: big, timestamp: String(t0 + 30_000), headers: spring(30) }],
      });

      const r = await ks.read(q({ queryType: 'jobs', state: 'dead', queues: [dlq], limit: 10 }), window());
      if (r.type !== 'jobs') {
        throw new Error(r.type);
      }
      expect(r.rows.map((x) => [x.id, x.finishedAt])).toEqual([
        ['1:3', t0 + 30_000],
        ['1:2', t0 + 21_000],
        ['1:1', t0 + 20_000],
        ['1:0', t0 + 10_000],
        ['0:2', t0 + 2000],
        ['0:1', t0 + 1000],
        ['0:0', t0],
      ]);
      const byId = new Map(r.rows.map((x) => [x.id, x]));
      expect(byId.get('0:1')).toMatchObject({
        system: 'kafka',
        queue: dlq,
        name: 'org.springframework.kafka.listener.ListenerExecutionFailedException',
        state: 'dead',
        createdAt: t0 - 60_000,
        error: 'Listener failed; order 1001 not found [from orders offset 501]',
        stacktrace: expect.stringContaining('Orders.java:42'),
        payload: { preview: '{"order":1001}', bytes: 14, truncated: false, kind: 'json' },
      });
      expect(byId.get('1:0')).toMatchObject({
        name: 'org.apache.kafka.connect.errors.DataException',
        error: 'Converting byte[] to Kafka Connect data failed',
        payload: { preview: '000102fffe', bytes: 5, kind: 'binary', truncated: false },
        traceId: trace,
      });
      expect(byId.get('1:2')).toMatchObject({
        error: 'Listener failed; order 1021 not found [from orders offset 521]',
        payload: { preview: '{"n":21}' },
      });
      // The 10 MB record is over the 8 MiB cap: reported by size, headers unread.
      const bigRow = byId.get('1:3')!;
      expect(bigRow.payload).toMatchObject({ bytes: big.length, truncated: true, kind: 'text' });
      expect(bigRow.payload!.preview).toBe('x'.repeat(4096));
      expect(bigRow.error).toMatch(/^record of \d+ bytes, larger than the 8 MiB read cap: headers not read$/);
      expect(Number(/\d+/.exec(bigRow.error!)![0])).toBeGreaterThan(big.length);

      // Newest N: limit 2 → the two newest over both partitions.
      const two = await ks.read(q({ queryType: 'jobs', state: 'failed', queues: [dlq], limit: 2 }), window());
      expect(two.type === 'jobs' && two.rows.map((x) => x.id)).toEqual(['1:3', '1:2']);
      // Search in id, name, error.
      const found = await ks.read(
        q({ queryType: 'jobs', state: 'dead', queues: [dlq], search: 'order 1002' }),
        window()
      );
      expect(found.type === 'jobs' && found.rows.map((x) => x.id)).toEqual(['0:2']);

      // Failures: grouped by exception class and the message with numbers masked.
      const f = await ks.read(q({ queryType: 'failures', queues: [dlq] }), window());
      if (f.type !== 'failures') {
        throw new Error(f.type);
      }
      expect(f.groups.map((g) => [g.reason, g.count])).toEqual([
        [
          'org.springframework.kafka.listener.ListenerExecutionFailedException: Listener failed; order <n> not found',
          5,
        ],
        ['record of <n> bytes, larger than the <n> MiB read cap: headers not read', 1],
        ['org.apache.kafka.connect.errors.DataException: Converting byte[] to Kafka Connect data failed', 1],
      ]);
      expect(f.groups[0]).toMatchObject({ queue: dlq, lastSeen: t0 + 21_000, exampleJobId: '1:2', firstSeen: t0 });

      // A newer message behind the 10 MB one: read in a second Fetch round.
      const small = source({});
      await producer.send({ topic: dlq, messages: [{ partition: 1, value: 'after', timestamp: String(t0 + 40_000) }] });
      const tail = await small.read(q({ queryType: 'jobs', state: 'dead', queues: [dlq], limit: 3 }), window());
      await small.close();
      if (tail.type !== 'jobs') {
        throw new Error(tail.type);
      }
      expect(tail.rows.map((x) => x.id)).toEqual(['1:4', '1:3', '1:2']);
      expect(tail.rows[1].payload).toMatchObject({ bytes: big.length, truncated: true });
    } finally {
      await producer.disconnect();
      await state.admin.deleteTopics({ topics: [dlq] });
      // Until the deletion has settled, metadata requests fail for the next state's topics.
      for (let i = 0; i < 50 && (await state.admin.listTopics()).includes(dlq); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }, 60_000);

  it('lists the dead letters of a <group>/<topic> queue from its <topic>.DLT, and only dead or failed', async () => {
    const r = await ks.read(q({ queryType: 'jobs', queues: [`${state.stopped}/${state.topic}`] }), window());
    if (r.type !== 'jobs') {
      throw new Error(r.type);
    }
    expect(r.rows.map((x) => [x.queue, x.id, x.error])).toEqual(
      [3, 2, 1, 0].map((i) => [state.dlt, `0:${i}`, `boom ${i}`])
    );
    const waiting = await ks.read(
      q({ queryType: 'jobs', state: 'waiting', queues: [`${state.stopped}/${state.topic}`] }),
      window()
    );
    expect(waiting).toMatchObject({ type: 'jobs', rows: [] });
    expect(waiting.notices[0].text).toMatch(/dead-letter messages only/);
  });

  it('fails fast with 502 when no broker answers', async () => {
    const down = kafkaSource(
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

  it('answers an overview whose lag matches kafkajs fetchOffsets + fetchTopicOffsets, with the time lag (alerting)', async () => {
    const before = Date.now();
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
    // Time lag, read by the packaged executable's plain Fetch: p2's first message, ~1 h old.
    const produced = state.producedAt(2, 0);
    const oldest = get(state.stopped, 'oldest_wait_seconds')!.value;
    expect(oldest).toBeGreaterThanOrEqual((before - produced) / 1000);
    expect(oldest).toBeLessThanOrEqual((Date.now() - produced) / 1000);
    expect(get(state.live, 'oldest_wait_seconds')!.value).toBe(0);
  });

  it('answers a dead-letter jobs query and the per-partition workers table', async () => {
    const responses = await grafana.queryData(ds, [
      { refId: 'J', json: { queryType: 'jobs', state: 'dead', queues: [state.dlt], limit: 2 } },
      { refId: 'W', json: { queryType: 'workers', queues: [`${state.stopped}/${state.topic}`] } },
    ]);
    expect([responses.J.status, responses.W.status]).toEqual([200, 200]);
    const column = (refId: string, name: string) =>
      decodeFrame(responses[refId].frames[0]).fields.find((f) => f.name === name)!.values;
    expect(column('J', 'id')).toEqual(['0:3', '0:2']);
    expect(column('J', 'error')).toEqual(['boom 3', 'boom 2']);
    expect(column('W', 'name')).toEqual([0, 1, 2].map((p) => `${state.stopped}/${state.topic} [${p}]`));
    expect(column('W', 'alive')).toEqual([false, false, false]);
    // The kind's own columns reach Grafana too: p0 committed at 10, p1 at 4, p2 never.
    expect(column('W', 'lag')).toEqual([0, 6, 10]);
    expect(column('W', 'committed')).toEqual([10, 4, null]);
    expect(column('W', 'status')).toEqual(['STOP', 'STOP', 'STOP']);
  });

  it('reports a down broker as a downstream 502', async () => {
    const downDs = { uid: 'kafka-down', jsonData: { kind: 'kafka', url: '127.0.0.1:1' } };
    const down = await grafana.checkHealth(downDs);
    expect(down.status).toBe(2);
    expect(down.message).toMatch(/127\.0\.0\.1:1 unreachable/);
    const downQuery = await grafana.queryData(downDs, [{ refId: 'A', json: { queryType: 'overview' } }]);
    expect(downQuery.A).toMatchObject({ status: 502, errorSource: 'downstream' });
  });
});
