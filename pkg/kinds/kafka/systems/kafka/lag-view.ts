/**
 * Lag per partition and per queue of `<group>/<topic>` queues: committed offsets from the
 * session's snapshot, watermarks from ListOffsets, the Burrow status from the samples kept
 * across refreshes, and the time lag of each lagging partition (time-lag.ts).
 */
import type { KafkaQueue, Snapshot, Watermarks } from '../../cluster-snapshot';
import type { KafkaReadContext } from '../../context';
import { deadLetterTopicsOf, evaluateLag, LagStatus, partitionLag, PartitionOffsets } from './lag';
import { SAMPLES_PER_PARTITION, TimeSource } from './offset-times';
import { PartitionLag, readTimeLags, TIME_LAG_ROUNDS } from './time-lag';

export interface QueueLag {
  label: string;
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

export interface LagView {
  snap: Snapshot;
  /** The queues asked for that the snapshot holds, in the order asked. */
  selected: KafkaQueue[];
  marks: Watermarks;
  queues: QueueLag[];
  fetches: number;
}

/** The group of a `<group>/<topic>` label (topic names hold no "/"); undefined for a topic. */
export function groupOf(label: string): string | undefined {
  const slash = label.lastIndexOf('/');
  return slash < 0 ? undefined : label.slice(0, slash);
}

/** The queues asked for, as the session's snapshot of their groups knows them. */
export async function selectQueues(ctx: KafkaReadContext, labels: string[]) {
  const groups = [...new Set(labels.map(groupOf).filter((g): g is string => g !== undefined))];
  const snap = await ctx.snapshot(groups);
  const byLabel = new Map(snap.queues.map((q) => [q.label, q]));
  const selected = labels.map((l) => byLabel.get(l)).filter((q): q is KafkaQueue => q !== undefined);
  return { snap, selected };
}

export async function lagView(ctx: KafkaReadContext, labels: string[]): Promise<LagView> {
  const { snap, selected } = await selectQueues(ctx, labels);
  const needed = selected.flatMap((q) => [q.topic, ...deadLetterTopicsOf(q.topic, snap.topics)]);
  const marks = await ctx.watermarks(needed);
  const markedAt = Date.now();
  const queues: QueueLag[] = [];
  for (const q of selected) {
    const group = q.group;
    const parts = marks.get(q.topic);
    if (!group || !parts) {
      continue;
    }
    const committed = group.committed.get(q.topic) ?? new Map<number, number>();
    const owner = new Map<number, string>();
    for (const m of group.members) {
      for (const p of m.topics.get(q.topic) ?? []) {
        owner.set(p, `${m.clientId}@${m.clientHost}`);
      }
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
      ctx.notice(
        'info',
        `${group.groupId} uses the new consumer group protocol (KIP-848), whose members kafkajs cannot describe: workers left out, and a group with lag and unchanged offsets counts as STALL`
      );
    }
    const history = ctx.samples.add(q.label, {
      at: ctx.now,
      committed: rows.reduce((s, p) => s + Math.max(0, p.committed), 0),
      lag,
    });
    queues.push({ label: q.label, topic: q.topic, parts: rows, lag, members, status: evaluateLag(history, members) });
  }
  const { fetches } = await readTimeLags(
    ctx.fetcher,
    ctx.offsetTimes,
    queues.flatMap((q) => q.parts),
    ctx.now,
    markedAt,
    (n) => ctx.notice(n.severity, n.text),
    {
      requestTimeout: ctx.settings.client.requestTimeout ?? 10_000,
      describeError: (err) => ctx.describeError(err).message,
    }
  );
  for (const q of queues) {
    const read = q.parts.filter((p) => p.timeLag !== undefined);
    if (q.lag === 0) {
      q.oldestWait = 0;
    } else if (read.some((p) => p.lag > 0)) {
      const oldest = read.reduce((a, b) => (b.timeLag! > a.timeLag! ? b : a));
      q.oldestWait = oldest.timeLag;
      q.oldestWaitFrom = oldest.timeLagFrom;
    }
  }
  const lagging = queues.flatMap((q) => q.parts).filter((p) => p.lag > 0);
  const interpolated = lagging.filter((p) => p.timeLagFrom === 'interpolated').length;
  const readParts = lagging.filter((p) => p.timeLagFrom === 'read').length;
  if (lagging.length > 0) {
    ctx.notice(
      'info',
      `time lag of ${lagging.length} lagging partition(s): ${readParts} from the record at the committed offset (read now or at an earlier refresh), ${interpolated} interpolated between the log-end offsets sampled at earlier refreshes (${SAMPLES_PER_PARTITION} samples a partition, kept while the data source lives); ${fetches} Fetch round(s) this refresh, at most ${TIME_LAG_ROUNDS}`
    );
  }
  return { snap, selected, marks, queues, fetches };
}
