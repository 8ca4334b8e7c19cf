/**
 * The `kafka` data source kind: consumer-group lag read with the admin API, and records read
 * with plain Fetch requests (fetch.ts) — no consumer joins any group, nothing is committed.
 * A "queue" is `<group>/<topic>`; dead-letter topics (`<topic>.DLT`, `<topic>-dlq`,
 * jsonData.dlqTopics) are also listed by topic name.
 *
 * Cost of one refresh (kafkajs admin, one connection per broker kept open):
 *   Metadata (listTopics) · ListGroups (one per broker) · DescribeGroups (one per coordinator)
 *   · OffsetFetch per group (kafkajs asks one group per request; at most MAX_GROUPS, 8 at a
 *   time, and only groups a query's patterns can match) · ListOffsets ×2 per topic read
 *   (latest and earliest; at most MAX_TOPICS).
 * Overview and workers add the time lag: from each partition's lookup table (offset-times.ts:
 *   log-end samples of earlier refreshes, interpolated) where it can answer, else read — at
 *   most TIME_LAG_ROUNDS Fetch rounds (one Fetch per partition leader each, Metadata first),
 *   so any number of groups on a topic costs the same (time-lag.ts).
 * Jobs and failures on dead-letter topics: one Fetch per leader from high watermark − N, up to
 *   a few rounds for partitions that did not reach their end, plus one Fetch per record the
 *   1 MiB partition bound cut (up to 8 MiB, 8 a query) to read it whole (dead-letter-reads.ts).
 */
import { Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { JobscopeQuery } from '../../model/query';
import { globMatches, queueFilter } from '../../query/glob';
import type { Notice } from '../../reading/notice';
import { badRequest, notFound } from '../../errors/errors';
import type { HealthReport, QueryWindow, QueueRef, QueueSource } from '../../source/queue-source';
import type { ReadResult } from '../../reading/results';
import { matchesSearch, QueueStats, WorkerRow } from '../../reading/rows';
import { groupFailures } from '../../reading/failure-reasons';
import { RecordFetcher } from './fetch';
import { readNewestDeadLetters } from './systems/kafka/dead-letter-reads';
import { PartitionLag, readTimeLags, TIME_LAG_ROUNDS } from './systems/kafka/time-lag';
import { OffsetTimes, SAMPLES_PER_PARTITION, TimeSource } from './systems/kafka/offset-times';
import { kafkaSettings, KafkaSettings } from './settings';
import { isGone, kafkaError } from './errors';
import {
  deadLetterTopicsOf,
  evaluateLag,
  isDeadLetterTopic,
  LagStatus,
  partitionLag,
  PartitionOffsets,
  retained,
  SampleWindow,
} from './systems/kafka/lag';
import { addNotice, emptyResult } from '../../reading/results';

const SYSTEM = 'kafka';
const MAX_GROUPS = 200;
const MAX_TOPICS = 500;
const CONCURRENCY = 8;
const DEFAULT_LIMIT = 100;
/** Dead-letter browsing: topics and messages per query. */
const MAX_DLT_TOPICS = 20;
const MAX_DLT_LIMIT = 1000;
/** Failures: newest dead letters per partition grouped. */
const FAILURE_SAMPLES = 200;

/** The per-partition table of the workers query, columns in this order. */
export interface PartitionColumns {
  group: string;
  topic: string;
  partition: number;
  committed: number | null;
  high_watermark: number;
  lag: number;
  time_lag_seconds: number | null;
  /** `read` (the record at the committed offset, now or at an earlier refresh) or `interpolated`. */
  time_lag_from: TimeSource | null;
  member: string | null;
  status: LagStatus;
}

interface QueueLag {
  label: string;
  group: GroupInfo;
  topic: string;
  parts: PartitionLag[];
  lag: number;
  members?: number;
  status: LagStatus;
  /** Max time lag over the partitions read; undefined when none with lag was read. */
  oldestWait?: number;
  /** How the partition giving oldestWait got its time lag. */
  oldestWaitFrom?: TimeSource;
}

interface GroupInfo {
  groupId: string;
  state: string;
  /**
   * False for groups on the KIP-848 consumer protocol (Kafka 4 `group.protocol=consumer`):
   * the classic DescribeGroups answers them as Dead with no members, and kafkajs has no
   * ConsumerGroupDescribe; their lag is still exact, their members unknown.
   */
  membersKnown: boolean;
  /** topics: topic → partitions assigned. */
  members: Array<{ memberId: string; clientId: string; clientHost: string; topics: Map<string, number[]> }>;
  /** topic → partition → committed offset (-1: none). */
  committed: Map<string, Map<number, number>>;
}

interface Snapshot {
  topics: Set<string>;
  groups: GroupInfo[];
  /** Every queue label found, with what it stands for. */
  queues: Array<{ label: string; group?: GroupInfo; topic: string }>;
}

/**
 * Cluster metadata fails as a whole while a topic is being created or deleted; moments
 * later it lists the topics as they are. A few spaced retries (2 s at most), then the
 * error stands.
 */
async function onceMoreIfGone<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (!isGone(err) || attempt === 5) {
        throw err;
      }
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    })
  );
  return out;
}

function assignedTopics(buf: Buffer | undefined): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  if (!buf || buf.length === 0) return topics;
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(buf);
    for (const [topic, parts] of Object.entries(decoded?.assignment ?? {})) {
      topics.set(
        topic,
        [...(parts as number[])].sort((a, b) => a - b)
      );
    }
  } catch {
    // Not the standard consumer protocol (e.g. Connect): no assignment to show.
  }
  return topics;
}

export class KafkaSource implements QueueSource {
  private readonly s: KafkaSettings;
  private readonly kafka: Kafka;
  private admin?: Promise<Admin>;
  private readonly samples = new SampleWindow();
  /** Per partition: log-end samples and records read, for the time lag (kept across refreshes). */
  private readonly offsetTimes = new OffsetTimes();
  private readonly fetcher: RecordFetcher;
  private readonly payloadLimit: number;

  constructor(config: DatasourceConfig, _log: Logger) {
    this.s = kafkaSettings(config);
    this.kafka = new Kafka({ ...this.s.client, logLevel: logLevel.NOTHING });
    this.fetcher = new RecordFetcher(this.kafka);
    this.payloadLimit = this.s.payloadLimit;
  }

  /**
   * Runs fn with a connected admin client; a failed call drops the connection so the next one
   * retries. A topic gone meanwhile is retried once at once with a fresh client: kafkajs'
   * admin keeps every topic it has read in its metadata requests, so after one is deleted
   * each refresh of that client fails with UNKNOWN_TOPIC_OR_PARTITION.
   */
  private async call<T>(fn: (admin: Admin) => Promise<T>, retried = false): Promise<T> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: this.s.client.retry });
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
      throw kafkaError(err, this.s.brokers, this.s.username);
    }
  }

  async checkHealth(): Promise<HealthReport> {
    return this.call(async (admin) => {
      const cluster = await admin.describeCluster();
      const notices: string[] = [];
      const snap = await this.snapshot(undefined, (n) => notices.push(n.text));
      const systems: Record<string, number> = {};
      if (snap.queues.length > 0) systems[SYSTEM] = snap.queues.length;
      const brokers = cluster.brokers.length;
      return {
        server: `Kafka cluster ${cluster.clusterId} (${brokers} broker${brokers === 1 ? '' : 's'}, ${snap.topics.size} topics, ${snap.groups.length} consumer groups)`,
        systems,
        notices,
      };
    });
  }

  async listQueues(): Promise<QueueRef[]> {
    const snap = await this.snapshot(undefined, () => undefined);
    return snap.queues.map((q) => ({ system: SYSTEM, queue: q.label }));
  }

  /** Groups (described, with committed offsets) and topics a query's patterns can match. */
  private async snapshot(patterns: string[] | undefined, notice: (n: Notice) => void): Promise<Snapshot> {
    return this.call(async (admin) => {
      const [topicList, listed] = await Promise.all([onceMoreIfGone(() => admin.listTopics()), admin.listGroups()]);
      const topics = new Set(topicList.filter((t) => !t.startsWith('__')));
      // A pattern "g*/t" can only match groups matching "g*"; one without "/" matches any group.
      const groupPatterns = (patterns ?? []).map((p) => (p.includes('/') ? p.slice(0, p.indexOf('/')) : '*'));
      let ids = listed.groups
        .map((g) => g.groupId)
        .filter((id) => groupPatterns.length === 0 || groupPatterns.some((glob) => globMatches(glob, id)))
        .sort();
      if (ids.length > MAX_GROUPS) {
        notice({
          severity: 'warning',
          text: `${ids.length} consumer groups: only the first ${MAX_GROUPS} (by name) were read; name the groups in the query (group/topic, globs allowed)`,
        });
        ids = ids.slice(0, MAX_GROUPS);
      }
      const described = ids.length > 0 ? (await admin.describeGroups(ids)).groups : [];
      const listedType = new Map(listed.groups.map((g) => [g.groupId, g.protocolType]));
      const read = await mapLimit(described, CONCURRENCY, async (g): Promise<GroupInfo | undefined> => {
        let offsets: Awaited<ReturnType<Admin['fetchOffsets']>>;
        try {
          offsets = await admin.fetchOffsets({ groupId: g.groupId });
        } catch (err) {
          // The group, or a topic it committed to, deleted while it was read: answer for the rest.
          if (isGone(err)) {
            notice({
              severity: 'warning',
              text: `offsets of group ${g.groupId} could not be read (a topic or the group was deleted meanwhile)`,
            });
            return undefined;
          }
          throw err;
        }
        const committed = new Map<string, Map<number, number>>();
        for (const t of offsets) {
          committed.set(t.topic, new Map(t.partitions.map((p) => [p.partition, Number(p.offset)])));
        }
        return {
          groupId: g.groupId,
          state: g.state,
          membersKnown: !(g.state === 'Dead' && g.protocolType === '' && listedType.get(g.groupId) === 'consumer'),
          members: g.members.map((m) => ({
            memberId: m.memberId,
            clientId: m.clientId,
            clientHost: m.clientHost.replace(/^\//, ''),
            topics: assignedTopics(m.memberAssignment),
          })),
          committed,
        };
      });
      const groups = read.filter((g): g is GroupInfo => g !== undefined);
      const queues: Snapshot['queues'] = [];
      for (const group of groups) {
        const names = new Set<string>([...group.committed.keys()]);
        group.members.forEach((m) => m.topics.forEach((_n, t) => names.add(t)));
        for (const topic of [...names].sort()) {
          if (topics.has(topic)) {
            queues.push({ label: `${group.groupId}/${topic}`, group, topic });
          }
        }
      }
      for (const topic of [...topics].sort()) {
        if (isDeadLetterTopic(topic, this.s.dlqTopics)) {
          queues.push({ label: topic, topic });
        }
      }
      return { topics, groups, queues };
    });
  }

  private select(snap: Snapshot, query: JobscopeQuery, notice: (n: Notice) => void): Snapshot['queues'] {
    const wanted = queueFilter(query.queues);
    const selected = snap.queues.filter((q) => wanted(q.label));
    const literals = (query.queues ?? []).filter((q) => !/[*?]/.test(q));
    const missing = literals.filter((name) => !selected.some((q) => q.label === name));
    if (missing.length > 0) {
      const text = `queue ${missing.map((q) => `"${q}"`).join(', ')} not found: name Kafka queues <consumer group>/<topic> (a group that committed offsets for, or is assigned, the topic) or a dead-letter topic`;
      if (missing.length === (query.queues ?? []).length) {
        throw notFound(text);
      }
      notice({ severity: 'warning', text });
    }
    return selected;
  }

  /** Low/high watermarks of the topics, MAX_TOPICS at most. */
  private async watermarks(
    topics: string[],
    notice: (n: Notice) => void
  ): Promise<Map<string, Array<{ partition: number; low: number; high: number }>>> {
    let list = [...new Set(topics)].sort();
    if (list.length > MAX_TOPICS) {
      notice({
        severity: 'warning',
        text: `${list.length} topics to read: only the first ${MAX_TOPICS} were; narrow the queues`,
      });
      list = list.slice(0, MAX_TOPICS);
    }
    return this.call(async (admin) => {
      const read = await mapLimit(list, CONCURRENCY, async (topic) => {
        try {
          const parts = await admin.fetchTopicOffsets(topic);
          return [
            topic,
            parts.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) })),
          ] as const;
        } catch (err) {
          // A topic deleted between the listing and this read: answer for the others.
          if (isGone(err)) {
            notice({ severity: 'warning', text: `topic ${topic} disappeared while it was read (deleted?): left out` });
            return undefined;
          }
          throw err;
        }
      });
      return new Map(read.filter((r): r is NonNullable<typeof r> => r !== undefined));
    });
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    const notices: Notice[] = [];
    const notice = (n: Notice) => addNotice(notices, n);
    const type = query.queryType ?? 'overview';
    if (query.system && query.system !== SYSTEM) {
      notice({ severity: 'info', text: `system "${query.system}" is not served by a Kafka data source` });
      return emptyResult(type, notices);
    }
    switch (type) {
      case 'overview':
        return this.overview(query, window, notice, notices);
      case 'workers':
        return this.partitions(query, window, notice, notices);
      case 'timeseries':
        notice({
          severity: 'info',
          text: "Kafka keeps no completed/failed history: graph the overview's wait (lag) and oldest_wait_seconds (time lag) over time instead",
        });
        return emptyResult(type, notices);
      case 'jobs':
      case 'failures':
        return this.deadLetters(type, query, notice, notices);
      default:
        throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
    }
  }

  /**
   * Lag per partition and per queue for the selected `<group>/<topic>` queues: offsets from
   * the admin API, time lag from one record per lagging partition, Burrow status from the
   * samples kept across refreshes.
   */
  private async lagView(query: JobscopeQuery, window: QueryWindow, notice: (n: Notice) => void) {
    const snap = await this.snapshot(query.queues, notice);
    const selected = this.select(snap, query, notice);
    const needed = selected.flatMap((q) => [q.topic, ...deadLetterTopicsOf(q.topic, snap.topics)]);
    const marks = await this.watermarks(needed, notice);
    const markedAt = Date.now();
    const queues: QueueLag[] = [];
    for (const q of selected) {
      const group = q.group;
      const parts = marks.get(q.topic);
      if (!group || !parts) continue;
      const committed = group.committed.get(q.topic) ?? new Map<number, number>();
      const owner = new Map<number, string>();
      for (const m of group.members) {
        for (const p of m.topics.get(q.topic) ?? []) owner.set(p, `${m.clientId}@${m.clientHost}`);
      }
      const rows: PartitionLag[] = [...parts]
        .sort((a, b) => a.partition - b.partition)
        .map((p) => {
          const offsets: PartitionOffsets = { ...p, committed: committed.get(p.partition) ?? -1 };
          return {
            queue: q.label,
            group: group.groupId,
            topic: q.topic,
            partition: p.partition,
            low: p.low,
            high: p.high,
            committed: offsets.committed,
            lag: partitionLag(offsets),
            member: owner.get(p.partition),
          };
        });
      const lag = rows.reduce((s, r) => s + r.lag, 0);
      const members = group.membersKnown
        ? group.members.filter((m) => m.topics.has(q.topic) || m.topics.size === 0).length
        : undefined;
      if (members === undefined) {
        notice({
          severity: 'info',
          text: `${group.groupId} uses the new consumer group protocol (KIP-848), whose members kafkajs cannot describe: workers left out, and a group with lag and unchanged offsets counts as STALL`,
        });
      }
      const history = this.samples.add(q.label, {
        at: window.now,
        committed: rows.reduce((s, p) => s + Math.max(0, p.committed), 0),
        lag,
      });
      queues.push({
        label: q.label,
        group,
        topic: q.topic,
        parts: rows,
        lag,
        members,
        status: evaluateLag(history, members),
      });
    }
    const { fetches } = await readTimeLags(
      this.fetcher,
      this.offsetTimes,
      queues.flatMap((q) => q.parts),
      window.now,
      markedAt,
      notice,
      {
        requestTimeout: this.s.client.requestTimeout ?? 10_000,
        describeError: (err) => kafkaError(err, this.s.brokers, this.s.username).message,
      }
    );
    for (const q of queues) {
      const read = q.parts.filter((p) => p.timeLag !== undefined);
      if (q.lag === 0) q.oldestWait = 0;
      else if (read.some((p) => p.lag > 0)) {
        const oldest = read.reduce((a, b) => (b.timeLag! > a.timeLag! ? b : a));
        q.oldestWait = oldest.timeLag;
        q.oldestWaitFrom = oldest.timeLagFrom;
      }
    }
    const lagging = queues.flatMap((q) => q.parts).filter((p) => p.lag > 0);
    const interpolated = lagging.filter((p) => p.timeLagFrom === 'interpolated').length;
    const readParts = lagging.filter((p) => p.timeLagFrom === 'read').length;
    if (lagging.length > 0) {
      notice({
        severity: 'info',
        text: `time lag of ${lagging.length} lagging partition(s): ${readParts} from the record at the committed offset (read now or at an earlier refresh), ${interpolated} interpolated between the log-end offsets sampled at earlier refreshes (${SAMPLES_PER_PARTITION} samples a partition, kept while the data source lives); ${fetches} Fetch round(s) this refresh, at most ${TIME_LAG_ROUNDS}`,
      });
    }
    return { snap, selected, marks, queues, fetches };
  }

  /** The workers query: one row per group/topic/partition with offsets, lag, time lag, owner and status. */
  private async partitions(
    query: JobscopeQuery,
    window: QueryWindow,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const { snap, queues, fetches } = await this.lagView(query, window, notice);
    const rows: Array<WorkerRow & { system: string; columns: PartitionColumns }> = [];
    for (const q of queues) {
      for (const p of q.parts) {
        rows.push({
          system: SYSTEM,
          name: `${q.label} [${p.partition}]`,
          host: p.member,
          queues: [q.label],
          alive: p.member !== undefined,
          columns: {
            group: p.group,
            topic: p.topic,
            partition: p.partition,
            committed: p.committed < 0 ? null : p.committed,
            high_watermark: p.high,
            lag: p.lag,
            time_lag_seconds: p.timeLag ?? null,
            time_lag_from: p.timeLagFrom ?? null,
            member: p.member ?? null,
            status: q.status,
          },
        });
      }
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (rows.length > limit) {
      notice({
        severity: 'info',
        text: `${rows.length} partitions: the first ${limit} are shown (raise the limit or narrow the queues)`,
      });
    }
    notice({
      severity: 'info',
      text: 'Kafka workers: one row per consumer group, topic and partition — host = the member it is assigned to (client id@host; none: unassigned), alive = assigned; columns: committed, high_watermark, lag, time_lag_seconds, time_lag_from (read: the record at the committed offset; interpolated: from the log-end offsets sampled at earlier refreshes), member, status (Burrow: OK, WARN, STALL, STOP)',
    });
    return {
      type: 'workers',
      rows: rows.slice(0, limit),
      notices,
      executed: `ListGroups, DescribeGroups, OffsetFetch ×${snap.groups.length}, ListOffsets, Fetch ×${fetches} round(s) (time lag): ${rows.length} partition(s)`,
    };
  }

  /**
   * Jobs and failures: the newest dead letters. A dead-letter topic is read directly; a
   * `<group>/<topic>` queue reads its topic's dead-letter topics. Newest first: each
   * partition from its high watermark − N, merged by timestamp.
   */
  private async deadLetters(
    type: 'jobs' | 'failures',
    query: JobscopeQuery,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    if (type === 'jobs' && query.state && query.state !== 'dead' && query.state !== 'failed') {
      notice({
        severity: 'info',
        text: `Kafka lists dead-letter messages only (state dead or failed); "${query.state}" messages are offsets in a log, see the overview and workers queries`,
      });
      return emptyResult(type, notices);
    }
    const snap = await this.snapshot(query.queues, notice);
    const selected = this.select(snap, query, notice);
    let topics = [
      ...new Set(selected.flatMap((q) => (q.group ? deadLetterTopicsOf(q.topic, snap.topics) : [q.topic]))),
    ].sort();
    if (topics.length > MAX_DLT_TOPICS) {
      notice({
        severity: 'warning',
        text: `${topics.length} dead-letter topics: the first ${MAX_DLT_TOPICS} were read; narrow the queues`,
      });
      topics = topics.slice(0, MAX_DLT_TOPICS);
    }
    if (topics.length === 0) {
      notice({
        severity: 'info',
        text: 'no dead-letter topic (<topic>.DLT, <topic>-dlq or the data source’s dead-letter topics) among the queues',
      });
      return emptyResult(type, notices);
    }
    const marks = await this.watermarks(topics, notice);
    const limit = Math.min(query.limit ?? DEFAULT_LIMIT, MAX_DLT_LIMIT);
    const { rows, samples, problems, fetches } = await readNewestDeadLetters(this.fetcher, marks, {
      perPartition: type === 'jobs' ? limit : Math.max(limit, FAILURE_SAMPLES),
      payloadLimit: this.payloadLimit,
      requestTimeout: this.s.client.requestTimeout ?? 10_000,
      describeError: (err) => kafkaError(err, this.s.brokers, this.s.username),
    });
    if (problems.length > 0) {
      notice({
        severity: 'warning',
        text: `dead letters partly read: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? '; …' : ''}`,
      });
    }
    const executed = `ListOffsets, Fetch ×${fetches} round(s) on ${topics.length} dead-letter topic(s)`;
    if (type === 'failures') {
      return { type, groups: groupFailures(samples, limit).map((g) => ({ system: SYSTEM, ...g })), notices, executed };
    }
    const found = rows
      .filter((r) => matchesSearch(r, query.search))
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || (a.id < b.id ? 1 : -1));
    return { type, rows: found.slice(0, limit).map((r) => ({ system: SYSTEM, ...r })), notices, executed };
  }

  private async overview(
    query: JobscopeQuery,
    window: QueryWindow,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const { snap, selected, marks, queues, fetches } = await this.lagView(query, window, notice);
    const lagOf = new Map(queues.map((q) => [q.label, q]));
    const stats: Array<QueueStats & { system: string }> = [];
    const unhealthy: string[] = [];
    const interpolated: string[] = [];
    for (const q of selected) {
      const parts = marks.get(q.topic);
      if (!parts) continue;
      const values: QueueStats['values'] = {};
      const ql = lagOf.get(q.label);
      if (q.group && ql) {
        values.wait = ql.lag;
        if (ql.oldestWait !== undefined) values.oldest_wait_seconds = ql.oldestWait;
        if (ql.oldestWaitFrom === 'interpolated') interpolated.push(q.label);
        if (ql.members !== undefined) values.workers = ql.members;
        values.stalled = ql.status === 'STALL' || ql.status === 'STOP' ? 1 : 0;
        if (ql.status !== 'OK') unhealthy.push(`${q.label}: ${ql.status}`);
        const dlts = deadLetterTopicsOf(q.topic, snap.topics).filter((t) => marks.has(t));
        if (dlts.length > 0) {
          values.dead = dlts.reduce((s, t) => s + retained(marks.get(t)!), 0);
        }
      } else if (!q.group) {
        values.dead = retained(parts);
      }
      stats.push({ system: SYSTEM, queue: q.label, values });
    }
    if (interpolated.length > 0) {
      notice({
        severity: 'info',
        text: `oldest_wait_seconds interpolated (not read) for ${interpolated.slice(0, 20).join(', ')}${interpolated.length > 20 ? ', …' : ''}: placed between the two points around its offset (log-end samples of two refreshes, or records read), so off by at most the time between them`,
      });
    }
    if (unhealthy.length > 0) {
      notice({
        severity: 'warning',
        text: `lag status (Burrow rules over the last refreshes): ${unhealthy.slice(0, 20).join(', ')}${unhealthy.length > 20 ? ', …' : ''}`,
      });
    }
    notice({
      severity: 'info',
      text: 'Kafka: wait = consumer lag (high watermark − committed offset, from the log start when nothing is committed), oldest_wait_seconds = time lag (age of the next message the group would consume, the oldest over partitions: interpolated from the log-end offsets sampled at earlier refreshes where they reach back that far, else read with a plain Fetch, no group joined), workers = group members, stalled = 1 when the lag trend is STALL or STOP (the workers query shows the status per partition), dead = messages retained in dead-letter topics',
    });
    return {
      type: 'overview',
      stats,
      notices,
      executed: `ListGroups, DescribeGroups, OffsetFetch ×${snap.groups.length}, ListOffsets for ${marks.size} topic(s), Fetch ×${fetches} round(s) (time lag): ${stats.length} queue(s)`,
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await Promise.all([admin?.then((a) => a.disconnect()).catch(() => undefined), this.fetcher.close()]);
  }
}
