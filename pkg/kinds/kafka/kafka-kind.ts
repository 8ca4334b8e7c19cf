/**
 * The `kafka` data source kind: consumer-group lag read with the admin API, and records read
 * with plain Fetch requests (fetch.ts) — no consumer joins any group, nothing is committed.
 * A "queue" is `<group>/<topic>`; dead-letter topics (`<topic>.DLT`, `<topic>-dlq`,
 * jsonData.dlqTopics) are also listed by topic name (systems/kafka/kafka-system.ts).
 *
 * Cost of one refresh (kafkajs admin, one connection per broker kept open):
 *   Metadata (listTopics) · ListGroups (one per broker) · DescribeGroups (one per coordinator)
 *   · OffsetFetch per group (kafkajs asks one group per request; at most MAX_GROUPS, 8 at a
 *   time: discovery reads every group, a query only the groups of its queues; both share
 *   one snapshot within a session) · ListOffsets ×2 per topic read (at most MAX_TOPICS).
 * Overview and workers add the time lag: from each partition's lookup table (offset-times.ts:
 *   log-end samples of earlier refreshes, interpolated) where it can answer, else read — at
 *   most TIME_LAG_ROUNDS Fetch rounds (one Fetch per partition leader each, Metadata first),
 *   so any number of groups on a topic costs the same (time-lag.ts).
 * Jobs and failures on dead-letter topics: one Fetch per leader from high watermark − N, up to
 *   a few rounds for partitions that did not reach their end, plus one Fetch per record the
 *   1 MiB partition bound cut (up to 8 MiB, 8 a query) to read it whole (dead-letter-reads.ts).
 * Time bound: every request is bounded by timeoutSeconds (kafkajs connection, authentication
 * and request timeouts, settings.ts), not the read as a whole.
 */
import { Admin, Kafka, logLevel } from 'kafkajs';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { Kind, ReadContext, SystemsFound } from '../../source/job-system';
import { JobSource } from '../../source/job-source';
import { RecordFetcher } from './fetch';
import { kafkaSettings, KafkaSettings } from './settings';
import { isGone, kafkaError } from './errors';
import { readSnapshot, readWatermarks, Snapshot } from './cluster-snapshot';
import type { KafkaReadContext } from './context';
import { SampleWindow } from './systems/kafka/lag';
import { OffsetTimes } from './systems/kafka/offset-times';
import { KafkaSystem } from './systems/kafka/kafka-system';

export class KafkaKind implements Kind<KafkaReadContext> {
  readonly id = 'kafka' as const;
  readonly parallel = false;
  readonly settings: KafkaSettings;
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly fetcher: RecordFetcher;
  /** Lag samples per queue and offset-time tables per partition: per data-source instance. */
  private readonly samples = new SampleWindow();
  private readonly offsetTimes = new OffsetTimes();
  private readonly system: KafkaSystem;

  constructor(config: DatasourceConfig, _log: Logger) {
    this.settings = kafkaSettings(config);
    this.kafka = new Kafka({ ...this.settings.client, logLevel: logLevel.NOTHING });
    this.fetcher = new RecordFetcher(this.kafka);
    this.system = new KafkaSystem(this.settings.brokers);
  }

  private describeError(err: unknown): Error {
    return kafkaError(err, this.settings.brokers, this.settings.username);
  }

  /**
   * Runs fn with a connected admin client; a failed call drops the connection so the next one
   * retries. A topic gone meanwhile is retried once at once with a fresh client: kafkajs'
   * admin keeps every topic it has read in its metadata requests, so after one is deleted
   * each refresh of that client fails with UNKNOWN_TOPIC_OR_PARTITION.
   */
  private async call<T>(fn: (admin: Admin) => Promise<T>, retried = false): Promise<T> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: this.settings.client.retry });
      this.admin = admin.connect().then(() => admin);
    }
    const pending = this.admin;
    try {
      return await fn(await pending);
    } catch (err) {
      if (this.admin === pending) {
        this.admin = undefined;
        pending.then((a) => a.disconnect()).catch(() => undefined);
      }
      if (!retried && isGone(err)) {
        return this.call(fn, true);
      }
      throw this.describeError(err);
    }
  }

  async session<T>(base: ReadContext, fn: (ctx: KafkaReadContext) => Promise<T>): Promise<T> {
    // One snapshot a session: the whole one (discovery, health), or one per set of groups.
    let whole: Promise<Snapshot> | undefined;
    const some = new Map<string, Promise<Snapshot>>();
    const read = (groups?: string[]) =>
      this.call((admin) =>
        readSnapshot(admin, this.settings.dlqTopics, groups, (n) => base.notice(n.severity, n.text))
      );
    const ctx: KafkaReadContext = {
      ...base,
      settings: this.settings,
      fetcher: this.fetcher,
      samples: this.samples,
      offsetTimes: this.offsetTimes,
      snapshot: (groups) => {
        if (!groups) {
          return (whole ??= read());
        }
        const named = () => {
          const key = JSON.stringify([...new Set(groups)].sort());
          let p = some.get(key);
          if (!p) {
            some.set(key, (p = read(groups)));
          }
          return p;
        };
        // A whole snapshot answers for named groups, unless it stopped at MAX_GROUPS.
        return whole ? whole.then((s) => (s.complete ? s : named())) : named();
      },
      watermarks: (topics) =>
        this.call((admin) => readWatermarks(admin, topics, (n) => base.notice(n.severity, n.text))),
      admin: (f) => this.call(f),
      describeError: (err) => this.describeError(err),
    };
    try {
      return await fn(ctx);
    } catch (err) {
      throw this.describeError(err);
    }
  }

  async systems(): Promise<SystemsFound<KafkaReadContext>> {
    return { systems: [this.system], notices: [] };
  }

  async server(ctx: KafkaReadContext): Promise<{ name: string }> {
    const [cluster, snap] = await Promise.all([ctx.admin((a) => a.describeCluster()), ctx.snapshot()]);
    const brokers = cluster.brokers.length;
    return {
      name: `Kafka cluster ${cluster.clusterId} (${brokers} broker${brokers === 1 ? '' : 's'}, ${snap.topics.size} topics, ${snap.groups.length} consumer groups)`,
    };
  }

  where(): string {
    return `the consumer groups and dead-letter topics of Kafka at ${this.settings.brokers.join(',')}`;
  }

  /** Unknown queues are mostly misnamed ones: say how Kafka queues are named. */
  notFound(): string {
    return ': name Kafka queues <consumer group>/<topic> (a group that committed offsets for, or is assigned, the topic) or a dead-letter topic';
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([admin?.then((a) => a.disconnect()).catch(() => undefined), this.fetcher.close()]);
  }
}

/** The source serving a `kafka` data source. */
export type KafkaSource = JobSource<KafkaReadContext>;

export function kafkaSource(config: DatasourceConfig, log: Logger): KafkaSource {
  return new JobSource(new KafkaKind(config, log));
}
