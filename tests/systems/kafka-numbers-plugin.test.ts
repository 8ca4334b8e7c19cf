/**
 * Kafka numbers through the packaged executable:
 * - time lag for five consumer groups on one topic at different offsets (kafkajs consumers
 *   that commit), compared with the timestamps of the records at their committed offsets as
 *   a kafkajs consumer reads them: read where the lookup table cannot answer (at most three
 *   offsets a partition a refresh, the others interpolated between those reads and read at
 *   the next refresh), interpolated from the log-end samples of earlier refreshes where it can;
 * - a 2 MiB dead letter with Spring's DLT headers behind small ones on a `.DLT` topic: read
 *   whole, its exception class, original topic and stack trace shown, its failure group named
 *   after the exception.
 */
import { randomBytes } from 'crypto';
import { Admin, Kafka } from 'kafkajs';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { BROKERS, createTopicsWithLeaders, describeKafka, kafka } from './kafka/cluster';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A real consumer of the group reads the topic, commits `offset` on partition 0 and leaves. */
async function commitAt(k: Kafka, groupId: string, topic: string, offset: number): Promise<void> {
  const consumer = k.consumer({ groupId, retry: { retries: 3 } });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let got!: () => void;
    const first = new Promise<void>((r) => (got = r));
    await consumer.run({ autoCommit: false, eachMessage: async () => got() });
    await first;
    await consumer.commitOffsets([{ topic, partition: 0, offset: String(offset) }]);
  } finally {
    await consumer.disconnect();
  }
}

/** offset → record timestamp (ms), as a kafkajs consumer reads the whole partition. */
async function recordTimes(k: Kafka, admin: Admin, topic: string, count: number): Promise<Map<number, number>> {
  const groupId = `reader-${randomBytes(4).toString('hex')}`;
  const consumer = k.consumer({ groupId });
  const out = new Map<number, number>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done!: () => void;
    const all = new Promise<void>((r) => (done = r));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        out.set(Number(message.offset), Number(message.timestamp));
        if (out.size === count) {
          done();
        }
      },
    });
    await all;
  } finally {
    await consumer.disconnect();
  }
  await k
    .admin()
    .deleteGroups([groupId])
    .catch(() => undefined);
  return out;
}

describeKafka('kafka numbers through the plugin executable', () => {
  let plugin: PluginProcess;
  let grafana: GrafanaClient;
  let ds: DatasourceSettings;
  const k = kafka();
  const admin = k.admin();
  const suffix = randomBytes(4).toString('hex');
  const topic = `times-${suffix}`;
  const dlt = `orders-${suffix}.DLT`;
  const groups = [0, 1, 2, 3, 4].map((i) => `g${i}-${suffix}`);

  beforeAll(async () => {
    plugin = await startPlugin();
    grafana = new GrafanaClient(plugin.target);
    ds = { uid: `kafka-numbers-${suffix}`, jsonData: { kind: 'kafka', url: BROKERS, payloadLimitBytes: 4096 } };
    await admin.connect();
    await createTopicsWithLeaders(admin, [
      { topic, numPartitions: 1 },
      { topic: dlt, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: String(3 * 1024 * 1024) }] },
    ]);
  }, 60_000);

  afterAll(async () => {
    grafana?.close();
    plugin?.kill();
    await admin.deleteGroups(groups).catch(() => undefined);
    await admin.deleteTopics({ topics: [topic, dlt] }).catch(() => undefined);
    await admin.disconnect();
  }, 60_000);

  const queues = groups.map((g) => `${g}/${topic}`);

  /** One refresh (an overview): oldest_wait_seconds per group, and which were interpolated (its notice). */
  async function refresh() {
    const before = Date.now();
    const responses = await grafana.queryData(ds, [
      { refId: 'O', json: { queryType: 'overview', queues, metrics: ['oldest_wait_seconds'] } },
    ]);
    const after = Date.now();
    expect(responses.O.status).toBe(200);
    const frames = responses.O.frames.map(decodeFrame);
    const wait = new Map(readNumeric(frames).map((v) => [v.labels.queue.split('/')[0], v.value]));
    const notices = frames.flatMap((f) => f.meta?.notices ?? []).map((n: any) => n.text as string);
    const line = notices.find((n) => n.startsWith('oldest_wait_seconds interpolated')) ?? '';
    const from = new Map(groups.map((g) => [g, line.includes(`${g}/${topic}`) ? 'interpolated' : 'read']));
    return { before, after, wait, from, notices, executed: frames[0].meta?.executedQueryString as string };
  }

  it('gives every one of five groups on one topic its time lag, read or interpolated, at bounded cost', async () => {
    const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      // 50 records written before the plugin ever looked: timestamps not linear in offsets.
      const base = Date.now() - 3 * 3600_000;
      await producer.send({
        topic,
        messages: Array.from({ length: 50 }, (_, i) => ({
          partition: 0,
          value: `old ${i}`,
          timestamp: String(base + i * i * 2000),
        })),
      });
      const committed = [5, 15, 25, 35, 45];
      await Promise.all(groups.map((g, i) => commitAt(k, g, topic, committed[i])));
      let times = await recordTimes(k, admin, topic, 50);
      const expectClose = (r: Awaited<ReturnType<typeof refresh>>, i: number, offset: number, tolerance: number) => {
        const ts = times.get(offset)!;
        const lag = r.wait.get(groups[i]);
        expect([groups[i], typeof lag]).toEqual([groups[i], 'number']);
        expect(lag!).toBeGreaterThanOrEqual((r.before - ts) / 1000 - tolerance);
        expect(lag!).toBeLessThanOrEqual((r.after - ts) / 1000 + tolerance);
      };

      // Refresh 1: every offset is older than the table. Three are read (lowest, highest,
      // middle), the two others interpolated between those reads, within their bracket.
      const r1 = await refresh();
      expect(groups.map((g) => r1.from.get(g))).toEqual(['read', 'interpolated', 'read', 'interpolated', 'read']);
      [0, 2, 4].forEach((i) => expectClose(r1, i, committed[i], 0.01));
      for (const i of [1, 3]) {
        const lo = times.get(committed[i - 1])!;
        const hi = times.get(committed[i + 1])!;
        expect(r1.wait.get(groups[i])!).toBeLessThanOrEqual((r1.after - lo) / 1000);
        expect(r1.wait.get(groups[i])!).toBeGreaterThanOrEqual((r1.before - hi) / 1000);
      }
      // Refresh 2 reads the two left; every group is exact now.
      const r2 = await refresh();
      expect(groups.map((g) => r2.from.get(g))).toEqual(['read', 'read', 'read', 'read', 'read']);
      committed.forEach((offset, i) => expectClose(r2, i, offset, 0.01));

      // New records in bursts between refreshes: each refresh samples the log end.
      for (let burst = 0; burst < 4; burst++) {
        await producer.send({
          topic,
          messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `new ${burst}.${i}` })),
        });
        await sleep(600);
        await refresh();
      }
      // Two groups move into that range: the table answers them, nothing is fetched for them.
      const moved = [3, 4];
      const to = [62, 78];
      await Promise.all(moved.map((i, n) => commitAt(k, groups[i], topic, to[n])));
      times = await recordTimes(k, admin, topic, 90);
      const r3 = await refresh();
      expect(groups.map((g) => r3.from.get(g))).toEqual(['read', 'read', 'read', 'interpolated', 'interpolated']);
      [0, 1, 2].forEach((i) => expectClose(r3, i, committed[i], 0.01));
      // Interpolated between two log-end samples ~0.6 s apart: off by less than their distance.
      moved.forEach((i, n) => expectClose(r3, i, to[n], 1.5));
      expect(r3.executed).toMatch(/Fetch ×0 round\(s\)/); // reads kept from before, the rest interpolated
      // The workers table says it per partition, as does its notice.
      const before = Date.now();
      const workers = await grafana.queryData(ds, [{ refId: 'W', json: { queryType: 'workers', queues } }]);
      const w = decodeFrame(workers.W.frames[0]);
      const col = (name: string) => w.fields.find((f) => f.name === name)!.values;
      const row = (g: string) => col('group').indexOf(g);
      expect(groups.map((g) => col('time_lag_from')[row(g)])).toEqual([
        'read',
        'read',
        'read',
        'interpolated',
        'interpolated',
      ]);
      const lag4 = col('time_lag_seconds')[row(groups[4])] as number;
      expect(lag4).toBeGreaterThanOrEqual((before - times.get(to[1])!) / 1000 - 1.5);
      expect(lag4).toBeLessThanOrEqual((Date.now() - times.get(to[1])!) / 1000 + 1.5);
    } finally {
      await producer.disconnect();
    }
  }, 120_000);

  it('reads a 2 MiB Spring dead letter whole: exception, original topic, stack trace; cuts only the preview', async () => {
    const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const int = (n: number, bytes: 4 | 8) => {
      const b = Buffer.alloc(bytes);
      if (bytes === 4) {
        b.writeInt32BE(n);
      } else {
        b.writeBigInt64BE(BigInt(n));
      }
      return b;
    };
    const fqcn = 'org.springframework.kafka.listener.ListenerExecutionFailedException';
    const stack = `${fqcn}: Listener failed\n${'\tat com.acme.Orders.handle(Orders.java:42)\n'.repeat(200)}`;
    const big = Buffer.alloc(2 * 1024 * 1024, 'y');
    try {
      for (let i = 0; i < 3; i++) {
        await producer.send({ topic: dlt, messages: [{ key: `small-${i}`, value: Buffer.alloc(10 * 1024, 's') }] });
      }
      await producer.send({
        topic: dlt,
        messages: [
          {
            key: 'order-42',
            value: big,
            headers: {
              'kafka_dlt-exception-fqcn': fqcn,
              'kafka_dlt-exception-message': 'Listener failed; order 42 not found',
              'kafka_dlt-exception-stacktrace': stack,
              'kafka_dlt-original-topic': `orders-${suffix}`,
              'kafka_dlt-original-partition': int(0, 4),
              'kafka_dlt-original-offset': int(4242, 8),
              'retry_topic-attempts': int(3, 4),
            },
          },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    const responses = await grafana.queryData(ds, [
      { refId: 'J', json: { queryType: 'jobs', state: 'dead', queues: [dlt], limit: 10 } },
      { refId: 'F', json: { queryType: 'failures', queues: [dlt] } },
    ]);
    expect([responses.J.status, responses.F.status]).toEqual([200, 200]);
    const j = decodeFrame(responses.J.frames[0]);
    const col = (name: string) => j.fields.find((f) => f.name === name)!.values;
    const at = col('id').indexOf('0:3');
    expect(at).toBe(0); // the newest
    expect({
      name: col('name')[at],
      error: col('error')[at],
      attempts: col('attempts')[at],
      stacktrace: col('stacktrace')[at],
      bytes: col('payload_bytes')[at],
      truncated: col('payload_truncated')[at],
      preview: (col('payload')[at] as string).length,
    }).toEqual({
      name: fqcn,
      error: `Listener failed; order 42 not found [from orders-${suffix}[0] offset 4242]`,
      attempts: 3,
      stacktrace: stack,
      bytes: big.length,
      truncated: true,
      preview: 4096,
    });
    const notices = (j.meta?.notices ?? []).map((n: any) => n.text).join('\n');
    // One round cut it at the 1 MiB partition bound behind the small ones; one more read it whole.
    expect(j.meta?.executedQueryString).toMatch(/; ListOffsets, Fetch ×2 round\(s\) on 1 dead-letter topic\(s\)$/);
    expect(notices).not.toMatch(/headers not read|not read whole/);
    const f = decodeFrame(responses.F.frames[0]);
    const reasons = f.fields.find((x) => x.name === 'reason')!.values;
    expect(reasons).toContain(`${fqcn}: Listener failed; order <n> not found`);
    expect(reasons.join('\n')).not.toMatch(/record of/);
  }, 60_000);
});
