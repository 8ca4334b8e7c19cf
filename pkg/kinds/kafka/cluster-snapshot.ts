/**
 * What one read of the `kafka` kind learns from the admin API: the topics, the consumer
 * groups (described, with their committed offsets) and the queues they make
 * (`<group>/<topic>`, and dead-letter topics by name), and the watermarks of the topics a
 * query reads. Taken at most once per session (kafka-kind.ts), never kept across reads.
 */
import { Admin, AssignerProtocol } from 'kafkajs';
import { mapLimit } from '../../reading/map-limit';
import type { Notice } from '../../reading/notice';
import { isGone } from './errors';
import { isDeadLetterTopic } from './systems/kafka/lag';

export const MAX_GROUPS = 200;
export const MAX_TOPICS = 500;
/** Admin requests in flight at once (OffsetFetch per group, ListOffsets per topic). */
const CONCURRENCY = 8;

export interface GroupInfo {
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

/** A queue: a group's topic, or a dead-letter topic (no group). */
export interface KafkaQueue {
  label: string;
  group?: GroupInfo;
  topic: string;
}

export interface Snapshot {
  topics: Set<string>;
  groups: GroupInfo[];
  /** Every queue label found, with what it stands for. */
  queues: KafkaQueue[];
  /** False when more than MAX_GROUPS groups were to be read. */
  complete: boolean;
}

export type Watermarks = Map<string, Array<{ partition: number; low: number; high: number }>>;

type Notify = (n: Notice) => void;

/**
 * Cluster metadata fails as a whole while a topic is being created or deleted; moments
 * later it lists the topics as they are. A few spaced retries (2 s at most), then the
 * error stands.
 */
export async function onceMoreIfGone<T>(read: () => Promise<T>): Promise<T> {
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

function assignedTopics(buf: Buffer | undefined): Map<string, number[]> {
  const topics = new Map<string, number[]>();
  if (!buf || buf.length === 0) {
    return topics;
  }
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

/**
 * Topics, and the groups named in `only` (every group when absent), described with their
 * committed offsets: Metadata, ListGroups, DescribeGroups, one OffsetFetch per group.
 */
export async function readSnapshot(
  admin: Admin,
  dlqTopics: string[],
  only: string[] | undefined,
  notice: Notify
): Promise<Snapshot> {
  const [topicList, listed] = await Promise.all([onceMoreIfGone(() => admin.listTopics()), admin.listGroups()]);
  const topics = new Set(topicList.filter((t) => !t.startsWith('__')));
  const wanted = only && new Set(only);
  let ids = listed.groups
    .map((g) => g.groupId)
    .filter((id) => !wanted || wanted.has(id))
    .sort();
  const complete = ids.length <= MAX_GROUPS;
  if (!complete) {
    notice({
      severity: 'warning',
      text: `${ids.length} consumer groups: only the first ${MAX_GROUPS} (by name) were read, the queues of the others are not listed`,
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
  const queues: KafkaQueue[] = [];
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
    if (isDeadLetterTopic(topic, dlqTopics)) {
      queues.push({ label: topic, topic });
    }
  }
  return { topics, groups, queues, complete };
}

/** Low/high watermarks of the topics (ListOffsets ×2 each), MAX_TOPICS at most. */
export async function readWatermarks(admin: Admin, topics: string[], notice: Notify): Promise<Watermarks> {
  let list = [...new Set(topics)].sort();
  if (list.length > MAX_TOPICS) {
    notice({
      severity: 'warning',
      text: `${list.length} topics to read: only the first ${MAX_TOPICS} were; narrow the queues`,
    });
    list = list.slice(0, MAX_TOPICS);
  }
  const read = await mapLimit(list, CONCURRENCY, async (topic) => {
    try {
      const parts = await admin.fetchTopicOffsets(topic);
      return [topic, parts.map((p) => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }))] as const;
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
}
