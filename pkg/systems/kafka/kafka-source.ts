/**
 * The `kafka` data source kind: consumer-group lag read with the admin API only (no
 * consumer joins any group, nothing is committed). A "queue" is `<group>/<topic>`; dead-letter
 * topics (`<topic>.DLT`, `<topic>-dlq`, jsonData.dlqTopics) are also listed by topic name.
 *
 * Cost of one refresh (kafkajs admin, one connection per broker kept open):
 *   Metadata (listTopics) · ListGroups (one per broker) · DescribeGroups (one per coordinator)
 *   · OffsetFetch per group (kafkajs asks one group per request; at most MAX_GROUPS, 8 at a
 *   time, and only groups a query's patterns can match) · ListOffsets ×2 per topic read
 *   (latest and earliest; at most MAX_TOPICS).
 */
import { Admin, AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../protocol/logger';
import type { JobscopeQuery } from '../../query/model';
import { globToRegExp, queueFilter } from '../../query/parse';
import type { Notice } from '../../frames/frame';
import { badRequest, notFound } from '../../errors/errors';
import type { HealthReport, QueryWindow, QueueRef, QueueSource, ReadResult } from '../source';
import type { QueueStats, WorkerRow } from '../rows';
import { kafkaSettings, KafkaSettings } from './settings';
import { isGone, kafkaError } from './errors';
import {
  deadLetterTopicsOf,
  evaluateLag,
  isDeadLetterTopic,
  LagStatus,
  PartitionOffsets,
  retained,
  SampleWindow,
  totalLag,
} from './lag';
import { addNotice, emptyResult } from '../results';

const SYSTEM = 'kafka';
const MAX_GROUPS = 200;
const MAX_TOPICS = 500;
const CONCURRENCY = 8;
const DEFAULT_LIMIT = 100;

interface GroupInfo {
  groupId: string;
  state: string;
  /**
   * False for groups on the KIP-848 consumer protocol (Kafka 4 `group.protocol=consumer`):
   * the classic DescribeGroups answers them as Dead with no members, and kafkajs has no
   * ConsumerGroupDescribe; their lag is still exact, their members unknown.
   */
  membersKnown: boolean;
  members: Array<{ memberId: string; clientId: string; clientHost: string; topics: Map<string, number> }>;
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

function assignedTopics(buf: Buffer | undefined): Map<string, number> {
  const topics = new Map<string, number>();
  if (!buf || buf.length === 0) return topics;
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(buf);
    for (const [topic, parts] of Object.entries(decoded?.assignment ?? {})) {
      topics.set(topic, (parts as number[]).length);
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

  constructor(config: DatasourceConfig, _log: Logger) {
    this.s = kafkaSettings(config);
    this.kafka = new Kafka({ ...this.s.client, logLevel: logLevel.NOTHING });
  }

  /** Runs fn with a connected admin client; a failed call drops the connection so the next one retries. */
  private async call<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    if (!this.admin) {
      const admin = this.kafka.admin({ retry: this.s.client.retry });
      this.admin = admin.connect().then(() => admin);
    }
    const pending = this.admin;
    try {
      return await fn(await pending);
    } catch (err) {
      const e = kafkaError(err, this.s.brokers, this.s.username);
      if (this.admin === pending) {
        this.admin = undefined;
        pending.then((a) => a.disconnect()).catch(() => undefined);
      }
      throw e;
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
      const groupPatterns = (patterns ?? []).map((p) =>
        p.includes('/') ? globToRegExp(p.slice(0, p.indexOf('/'))) : /^/
      );
      let ids = listed.groups
        .map((g) => g.groupId)
        .filter((id) => groupPatterns.length === 0 || groupPatterns.some((re) => re.test(id)))
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
      case 'workers': {
        const snap = await this.snapshot(query.queues, notice);
        const selected = this.select(snap, query, notice);
        const labels = new Set(selected.map((q) => q.label));
        const rows: Array<WorkerRow & { system: string }> = [];
        for (const g of snap.groups) {
          for (const m of g.members) {
            const queues = [...m.topics.keys()].map((t) => `${g.groupId}/${t}`).filter((l) => labels.has(l));
            if (queues.length > 0 || (!query.queues?.length && m.topics.size === 0)) {
              rows.push({
                system: SYSTEM,
                name: `${g.groupId}: ${m.memberId}`,
                host: m.clientHost,
                queues,
                busy: [...m.topics.values()].reduce((a, b) => a + b, 0),
                alive: true,
              });
            }
          }
        }
        notice({
          severity: 'info',
          text: 'Kafka workers are consumer-group members: busy = partitions assigned; members without an assignment (rebalancing) show no queues',
        });
        return {
          type: 'workers',
          rows: rows.slice(0, query.limit ?? DEFAULT_LIMIT),
          notices,
          executed: `ListGroups, DescribeGroups (${snap.groups.length} groups)`,
        };
      }
      case 'timeseries':
        notice({
          severity: 'info',
          text: "Kafka keeps no completed/failed history: graph the overview's wait (lag) over time instead",
        });
        return emptyResult(type, notices);
      case 'jobs':
      case 'failures':
        notice({
          severity: 'info',
          text: 'browsing Kafka messages (dead-letter topics) is not available: kafkajs can only read messages through a consumer group, which writes to the cluster; the overview counts dead-letter messages (dead)',
        });
        return emptyResult(type, notices);
      default:
        throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
    }
  }

  private async overview(
    query: JobscopeQuery,
    window: QueryWindow,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const snap = await this.snapshot(query.queues, notice);
    const selected = this.select(snap, query, notice);
    const needed = selected.flatMap((q) => [q.topic, ...deadLetterTopicsOf(q.topic, snap.topics)]);
    const marks = await this.watermarks(needed, notice);
    const stats: Array<QueueStats & { system: string }> = [];
    const unhealthy: string[] = [];
    for (const q of selected) {
      const parts = marks.get(q.topic);
      if (!parts) continue;
      const values: QueueStats['values'] = {};
      if (q.group) {
        const committed = q.group.committed.get(q.topic) ?? new Map<number, number>();
        const offsets: PartitionOffsets[] = parts.map((p) => ({ ...p, committed: committed.get(p.partition) ?? -1 }));
        const lag = totalLag(offsets);
        const members = q.group.membersKnown
          ? q.group.members.filter((m) => m.topics.has(q.topic) || m.topics.size === 0).length
          : undefined;
        if (members === undefined) {
          notice({
            severity: 'info',
            text: `${q.group.groupId} uses the new consumer group protocol (KIP-848), whose members kafkajs cannot describe: workers left out, and a group with lag and unchanged offsets counts as STALL`,
          });
        }
        const history = this.samples.add(q.label, {
          at: window.now,
          committed: offsets.reduce((s, p) => s + Math.max(0, p.committed), 0),
          lag,
        });
        const status: LagStatus = evaluateLag(history, members);
        values.wait = lag;
        if (members !== undefined) values.workers = members;
        values.stalled = status === 'STALL' || status === 'STOP' ? 1 : 0;
        if (status !== 'OK') unhealthy.push(`${q.label}: ${status}`);
        const dlts = deadLetterTopicsOf(q.topic, snap.topics).filter((t) => marks.has(t));
        if (dlts.length > 0) {
          values.dead = dlts.reduce((s, t) => s + retained(marks.get(t)!), 0);
        }
      } else {
        values.dead = retained(parts);
      }
      stats.push({ system: SYSTEM, queue: q.label, values });
    }
    if (unhealthy.length > 0) {
      notice({
        severity: 'warning',
        text: `lag status (Burrow rules over the last refreshes): ${unhealthy.slice(0, 20).join(', ')}${unhealthy.length > 20 ? ', …' : ''}`,
      });
    }
    notice({
      severity: 'info',
      text: 'Kafka: wait = consumer lag (high watermark − committed offset, from the log start when nothing is committed), workers = group members, stalled = 1 when the lag trend is STALL or STOP, dead = messages retained in dead-letter topics. oldest_wait_seconds is not computed: reading a message timestamp needs a consumer group (a write)',
    });
    return {
      type: 'overview',
      stats,
      notices,
      executed: `ListGroups, DescribeGroups, OffsetFetch ×${snap.groups.length}, ListOffsets for ${marks.size} topic(s): ${stats.length} queue(s)`,
    };
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }
}
