/**
 * Reads records without a consumer group: a plain Fetch request to each partition leader,
 * as a Java consumer does after assign() with no group.id. Fetch writes nothing — no group
 * is created, no offset committed (Kafka ACLs: Read on the topic, no group ACL needed).
 *
 * kafkajs 2.2.4 (pinned: it is the last release, 2023) offers Fetch only inside its group
 * consumer, so this reaches into its internals, each named here so that an upgrade that
 * moves them fails one test (tests/systems/kafka.test.ts "kafkajs internals") instead of
 * silently:
 *   - src/index.js, class Client: the per-client cluster factory, the own property keyed by
 *     Symbol('private:Kafka:createCluster'). It builds a Cluster with this client's brokers,
 *     TLS, SASL, timeouts and socket factory — so connections, authentication and retries
 *     stay kafkajs' own. Created with allowAutoTopicCreation: false (a Metadata request for
 *     a missing topic must not create it).
 *   - src/cluster/index.js, Cluster: connect(), metadata({ topics }) (leaders, fresh each
 *     call), findBroker({ nodeId }), disconnect() — also declared in kafkajs' types.
 *   - src/broker/index.js, Broker: lookupRequest(apiKey, definition) (picks the highest Fetch
 *     version both sides speak, from the broker's ApiVersions) and connectionPool.send(
 *     { request, response, requestTimeout }) (the same path Broker.fetch takes).
 *   - src/protocol/requests/fetch/index.js: the Fetch request encoders (v0–v11).
 * The response is decoded by record-batch.ts, not by kafkajs (see there why).
 *
 * Cost: one Fetch per partition leader per call, every partition of that leader in it;
 * maxWaitTime 0 and minBytes 0, so the broker answers at once with what it has.
 */
import type { Kafka } from 'kafkajs';
import { decodeFetchResponse, FetchResponse, PartitionData } from './record-batch';

const FetchDefinition = require('kafkajs/src/protocol/requests/fetch');

const FETCH_API_KEY = 1;
export const READ_UNCOMMITTED = 0;
export const READ_COMMITTED = 1;

interface Broker {
  lookupRequest(
    apiKey: number,
    definition: unknown
  ): (args: Record<string, unknown>) => {
    request: { apiVersion: number };
    response: unknown;
  };
  connectionPool: { send(protocol: Record<string, unknown>): Promise<unknown> };
  disconnect(): Promise<void>;
}
interface Cluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  metadata(args: { topics: string[] }): Promise<{
    topicMetadata: Array<{
      topic: string;
      topicErrorCode?: number;
      partitionMetadata: Array<{ partitionId: number; leader: number }>;
    }>;
  }>;
  findBroker(args: { nodeId: number }): Promise<Broker>;
}

export interface FetchWant {
  topic: string;
  partition: number;
  offset: number;
  /** Per-partition byte bound (partition_max_bytes). */
  maxBytes: number;
}

export interface FetchOptions {
  isolationLevel: number;
  /** Bound of the whole response per broker (max_bytes). */
  maxBytes: number;
  /** Bound a compressed batch may inflate to. */
  maxDecompressed: number;
  requestTimeout: number;
}

/** The kafkajs internals this module needs, or a sentence saying which one is missing. */
export function clusterFactory(kafka: Kafka): ((opts: Record<string, unknown>) => Cluster) | string {
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  const make = key ? (kafka as any)[key] : undefined;
  if (typeof make !== 'function') {
    return 'kafkajs has no cluster factory (private:Kafka:createCluster): this kafkajs is not 2.2.x';
  }
  if (typeof FetchDefinition?.protocol !== 'function') {
    return 'kafkajs has no Fetch request encoder (src/protocol/requests/fetch)';
  }
  return make;
}

export class RecordFetcher {
  private cluster?: Promise<Cluster>;

  constructor(private readonly kafka: Kafka) {}

  private connect(): Promise<Cluster> {
    if (!this.cluster) {
      const make = clusterFactory(this.kafka);
      if (typeof make === 'string') {
        return Promise.reject(new Error(make));
      }
      const cluster = make({ allowAutoTopicCreation: false, metadataMaxAge: 60_000 });
      this.cluster = cluster.connect().then(() => cluster);
      this.cluster.catch(() => (this.cluster = undefined));
    }
    return this.cluster;
  }

  /**
   * One Fetch per leader for the wanted partitions (each at most once: the protocol keys a
   * request by partition). Partitions the metadata does not know come back with errorCode 3
   * (UNKNOWN_TOPIC_OR_PARTITION), as the broker would answer.
   */
  async fetch(wants: FetchWant[], opts: FetchOptions): Promise<PartitionData[]> {
    if (wants.length === 0) {
      return [];
    }
    const cluster = await this.connect();
    try {
      const topics = [...new Set(wants.map((w) => w.topic))].sort();
      const meta = await cluster.metadata({ topics });
      const leaders = new Map<string, number>();
      for (const t of meta.topicMetadata) {
        for (const p of t.partitionMetadata) {
          leaders.set(`${t.topic}\u0000${p.partitionId}`, p.leader);
        }
      }
      const byLeader = new Map<number, FetchWant[]>();
      const out: PartitionData[] = [];
      for (const w of wants) {
        const leader = leaders.get(`${w.topic}\u0000${w.partition}`);
        if (leader === undefined || leader < 0) {
          out.push({
            topic: w.topic,
            partition: w.partition,
            errorCode: 3,
            highWatermark: -1,
            records: [],
            batches: [],
            bytes: 0,
          });
          continue;
        }
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), w]);
      }
      const answers = await Promise.all(
        [...byLeader].map(async ([nodeId, list]) => (await this.fetchFrom(cluster, nodeId, list, opts)).partitions)
      );
      return out.concat(...answers);
    } catch (err) {
      // A broken connection or stale metadata: start from a fresh cluster next time.
      const stale = this.cluster;
      this.cluster = undefined;
      stale?.then((c) => c.disconnect()).catch(() => undefined);
      throw err;
    }
  }

  private async fetchFrom(
    cluster: Cluster,
    nodeId: number,
    wants: FetchWant[],
    opts: FetchOptions
  ): Promise<FetchResponse> {
    const broker = await cluster.findBroker({ nodeId });
    // Topics in the order given: the broker returns an oversized first batch only for the
    // first partition of a request (KIP-74), so that one is not starved.
    const topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }> = [];
    for (const w of wants) {
      let t = topics[topics.length - 1];
      if (!t || t.topic !== w.topic) {
        t = { topic: w.topic, partitions: [] };
        topics.push(t);
      }
      t.partitions.push({ partition: w.partition, fetchOffset: String(w.offset), maxBytes: w.maxBytes });
    }
    const build = broker.lookupRequest(FETCH_API_KEY, FetchDefinition);
    const { request } = build({
      replicaId: -1,
      isolationLevel: opts.isolationLevel,
      maxWaitTime: 0,
      minBytes: 0,
      maxBytes: opts.maxBytes,
      topics,
    });
    const version = request.apiVersion;
    const response = {
      decode: async (payload: Buffer) => decodeFetchResponse(payload, version, opts.maxDecompressed),
      parse: async (data: FetchResponse) => data,
    };
    try {
      return (await broker.connectionPool.send({
        request,
        response,
        requestTimeout: opts.requestTimeout,
      })) as FetchResponse;
    } catch (err: any) {
      if (err?.name === 'KafkaJSConnectionClosedError') {
        await broker.disconnect().catch(() => undefined);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    const c = this.cluster;
    this.cluster = undefined;
    await c?.then((x) => x.disconnect()).catch(() => undefined);
  }
}
