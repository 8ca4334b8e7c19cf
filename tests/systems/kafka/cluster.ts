/**
 * Kafka states for the `kafka` kind's tests, made with kafkajs producers and consumers on
 * topics and groups with a random suffix (created here, deleted by release()).
 *
 * Kafka is started best-effort by .ci/servers.sh: when JOBSCOPE_KAFKA_BROKERS is set the
 * tests run (and fail clearly if the broker does not answer); when it is not set and nothing
 * answers on 127.0.0.1:9092, they are skipped with a console.warn.
 */
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import { Admin, Consumer, Kafka, logLevel } from 'kafkajs';

export const BROKERS = process.env.JOBSCOPE_KAFKA_BROKERS || '127.0.0.1:9092';

function answers(hostPort: string): boolean {
  const [host, port] = hostPort.split(',')[0].split(':');
  const probe = `const s=require('net').connect(${Number(port)},${JSON.stringify(host)});s.setTimeout(1500);s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));s.on('timeout',()=>process.exit(1));`;
  try {
    execFileSync(process.execPath, ['-e', probe], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** `describe`, or `describe.skip` with a visible warning when Kafka is optional and absent. */
export function describeKafka(name: string, fn: () => void): void {
  if (process.env.JOBSCOPE_KAFKA_BROKERS || answers(BROKERS)) {
    describe(name, fn);
  } else {
    console.warn(`Kafka tests skipped: nothing answers on ${BROKERS} and JOBSCOPE_KAFKA_BROKERS is not set`);
    describe.skip(name, fn);
  }
}

export const kafka = () =>
  new Kafka({
    clientId: 'jobscope-test',
    brokers: BROKERS.split(','),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
  });

export interface KafkaState {
  suffix: string;
  /** 3 partitions × 10 messages; message i on partition i % 3 at offset ⌊i / 3⌋. */
  topic: string;
  /** The create timestamp each message was produced with (ms): i × 10 s after an hour ago. */
  producedAt(partition: number, offset: number): number;
  /** `<topic>.DLT` with 4 messages. */
  dlt: string;
  /** A dead-letter topic only known through jsonData.dlqTopics: 2 messages. */
  graveyard: string;
  /** Consumed everything, committed p0 → 10, p1 → 4, nothing on p2, then left: lag 16, no members. */
  stopped: string;
  /** Still connected, committed everything: lag 0, one member. */
  live: string;
  admin: Admin;
  release(): Promise<void>;
}

/** Consumes `count` messages of topic in group, runs `after`, and returns the running consumer. */
async function consume(k: Kafka, groupId: string, topic: string, count: number, after: (c: Consumer) => Promise<void>) {
  const consumer = k.consumer({ groupId, retry: { retries: 3 } });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  await consumer.run({
    autoCommit: false,
    eachMessage: async () => {
      if (++seen === count) {
        done();
      }
    },
  });
  await finished;
  await after(consumer);
  return consumer;
}

/**
 * createTopics, then waits until every partition has a leader. kafkajs' own waitForLeaders
 * retries only LEADER_NOT_AVAILABLE, but a broker that has just started (as in CI) may
 * answer UNKNOWN_TOPIC_OR_PARTITION for a moment after the topic was created.
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: Array<{ topic: string; numPartitions: number; configEntries?: Array<{ name: string; value: string }> }>
) {
  await admin.createTopics({ waitForLeaders: false, topics });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const ready = topics.every((t) => {
        const partitions = meta.find((m) => m.name === t.topic)?.partitions ?? [];
        return partitions.length === t.numPartitions && partitions.every((p) => p.leader >= 0);
      });
      if (ready) {
        return;
      }
    } catch (e) {
      const type = (e as { type?: string }).type;
      if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') {
        throw e;
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`topics ${topics.map((t) => t.topic).join(', ')} have no leaders after 30 s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function makeKafkaState(name: string): Promise<KafkaState> {
  const suffix = `${name}-${randomBytes(4).toString('hex')}`;
  const k = kafka();
  const admin = k.admin();
  await admin.connect();
  const topic = `jobs-${suffix}`;
  const dlt = `${topic}.DLT`;
  const graveyard = `graveyard-${suffix}`;
  await createTopicsWithLeaders(admin, [
    { topic, numPartitions: 3 },
    { topic: dlt, numPartitions: 1 },
    { topic: graveyard, numPartitions: 1 },
  ]);
  // Idempotent: a send retried while other tests' topics churn must not write twice.
  const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // Explicit create timestamps (kafkajs sends them; the topic keeps CreateTime), one batch
  // per partition: the time lag must come from the record inside the batch, not its start.
  const base = Date.now() - 3600_000;
  const producedAt = (partition: number, offset: number) => base + (offset * 3 + partition) * 10_000;
  await producer.send({
    topic,
    messages: Array.from({ length: 30 }, (_, i) => ({
      partition: i % 3,
      key: `k${i}`,
      value: JSON.stringify({ n: i }),
      timestamp: String(producedAt(i % 3, Math.floor(i / 3))),
    })),
  });
  await producer.send({
    topic: dlt,
    messages: Array.from({ length: 4 }, (_, i) => ({
      value: JSON.stringify({ n: i }),
      headers: { 'kafka_dlt-exception-message': `boom ${i}` },
    })),
  });
  await producer.send({ topic: graveyard, messages: [{ value: 'a' }, { value: Buffer.from([0, 1, 2, 255]) }] });
  await producer.disconnect();

  const stopped = `stopped-${suffix}`;
  const live = `live-${suffix}`;
  const s = await consume(k, stopped, topic, 30, (c) =>
    c.commitOffsets([
      { topic, partition: 0, offset: '10' },
      { topic, partition: 1, offset: '4' },
    ])
  );
  await s.disconnect();
  const liveConsumer = await consume(k, live, topic, 30, (c) =>
    c.commitOffsets([0, 1, 2].map((partition) => ({ topic, partition, offset: '10' })))
  );

  return {
    suffix,
    topic,
    producedAt,
    dlt,
    graveyard,
    stopped,
    live,
    admin,
    async release() {
      await liveConsumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([stopped, live]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic, dlt, graveyard] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** The lag of group on topic from kafkajs' own admin calls (the parity reference). */
export async function adminLag(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const marks = await admin.fetchTopicOffsets(topic);
  return marks.reduce((sum, m) => {
    const c = Number(committed.partitions.find((p) => p.partition === m.partition)?.offset ?? -1);
    return sum + Number(m.high) - (c < 0 ? Number(m.low) : c);
  }, 0);
}
