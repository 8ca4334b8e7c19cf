/**
 * Kafka consumer groups as a job system: a queue is `<group>/<topic>` (a group that
 * committed offsets for, or is assigned, the topic), and each dead-letter topic is one by
 * its name. The overview and workers read the lag (lag-view.ts); jobs and failures read the
 * newest dead letters (dead-letter-reads.ts); Kafka keeps no throughput history.
 */
import type { Discovery, JobsOptions, JobSystem } from '../../../../source/job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import { matchesSearch } from '../../../../reading/rows';
import { groupFailures } from '../../../../reading/failure-reasons';
import type { Series } from '../../../../reading/series';
import type { KafkaReadContext } from '../../context';
import { deadLetterTopicsOf, LagStatus, retained } from './lag';
import type { TimeSource } from './offset-times';
import { groupOf, lagView, selectQueues } from './lag-view';
import { readNewestDeadLetters } from './dead-letter-reads';

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

const list = (items: string[]) => `${items.slice(0, 20).join(', ')}${items.length > 20 ? ', …' : ''}`;

export class KafkaSystem implements JobSystem<KafkaReadContext> {
  readonly id = 'kafka' as const;
  readonly describe: string;

  constructor(brokers: string[]) {
    this.describe = `Kafka at ${brokers.join(',')}`;
  }

  async discover(ctx: KafkaReadContext): Promise<Discovery> {
    const snap = await ctx.snapshot();
    return { queues: snap.queues.map((q) => q.label), complete: snap.complete };
  }

  /** Named queues of groups past the discovery's MAX_GROUPS: their groups read by name. */
  async exists(ctx: KafkaReadContext, names: string[]): Promise<string[]> {
    const groups = [...new Set(names.map(groupOf).filter((g): g is string => g !== undefined))];
    if (groups.length === 0) {
      return [];
    }
    const snap = await ctx.snapshot(groups);
    return names.filter((name) => snap.queues.some((q) => q.label === name));
  }

  async overview(ctx: KafkaReadContext, queues: string[]): Promise<QueueStats[]> {
    const { snap, selected, marks, queues: lags, fetches } = await lagView(ctx, queues);
    const lagOf = new Map(lags.map((q) => [q.label, q]));
    const stats: QueueStats[] = [];
    const unhealthy: string[] = [];
    const interpolated: string[] = [];
    for (const q of selected) {
      const parts = marks.get(q.topic);
      if (!parts) {
        continue;
      }
      const values: QueueStats['values'] = {};
      const ql = lagOf.get(q.label);
      if (q.group && ql) {
        values.wait = ql.lag;
        if (ql.oldestWait !== undefined) {
          values.oldest_wait_seconds = ql.oldestWait;
        }
        if (ql.oldestWaitFrom === 'interpolated') {
          interpolated.push(q.label);
        }
        if (ql.members !== undefined) {
          values.workers = ql.members;
        }
        values.stalled = ql.status === 'STALL' || ql.status === 'STOP' ? 1 : 0;
        if (ql.status !== 'OK') {
          unhealthy.push(`${q.label}: ${ql.status}`);
        }
        const dlts = deadLetterTopicsOf(q.topic, snap.topics).filter((t) => marks.has(t));
        if (dlts.length > 0) {
          values.dead = dlts.reduce((s, t) => s + retained(marks.get(t)!), 0);
        }
      } else if (!q.group) {
        values.dead = retained(parts);
      }
      stats.push({ queue: q.label, values });
    }
    if (interpolated.length > 0) {
      ctx.notice(
        'info',
        `oldest_wait_seconds interpolated (not read) for ${list(interpolated)}: placed between the two points around its offset (log-end samples of two refreshes, or records read), so off by at most the time between them`
      );
    }
    if (unhealthy.length > 0) {
      ctx.notice('warning', `lag status (Burrow rules over the last refreshes): ${list(unhealthy)}`);
    }
    ctx.notice(
      'info',
      'Kafka: wait = consumer lag (high watermark − committed offset, from the log start when nothing is committed), oldest_wait_seconds = time lag (age of the next message the group would consume, the oldest over partitions: interpolated from the log-end offsets sampled at earlier refreshes where they reach back that far, else read with a plain Fetch, no group joined), workers = group members, stalled = 1 when the lag trend is STALL or STOP (the workers query shows the status per partition), dead = messages retained in dead-letter topics'
    );
    ctx.executed?.(
      `ListGroups, DescribeGroups, OffsetFetch ×${snap.groups.length}, ListOffsets for ${marks.size} topic(s), Fetch ×${fetches} round(s) (time lag)`
    );
    return stats;
  }

  /** One row per group/topic/partition with offsets, lag, time lag, owner and status. */
  async workers(ctx: KafkaReadContext, queues: string[]): Promise<WorkerRow[]> {
    const { snap, queues: lags, fetches } = await lagView(ctx, queues);
    const rows: Array<WorkerRow & { columns: PartitionColumns }> = [];
    for (const q of lags) {
      for (const p of q.parts) {
        rows.push({
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
    if (rows.length > ctx.limit) {
      ctx.notice(
        'info',
        `${rows.length} partitions: the first ${ctx.limit} are shown (raise the limit or narrow the queues)`
      );
    }
    ctx.notice(
      'info',
      'Kafka workers: one row per consumer group, topic and partition — host = the member it is assigned to (client id@host; none: unassigned), alive = assigned; columns: committed, high_watermark, lag, time_lag_seconds, time_lag_from (read: the record at the committed offset; interpolated: from the log-end offsets sampled at earlier refreshes), member, status (Burrow: OK, WARN, STALL, STOP)'
    );
    ctx.executed?.(
      `ListGroups, DescribeGroups, OffsetFetch ×${snap.groups.length}, ListOffsets, Fetch ×${fetches} round(s) (time lag): ${rows.length} partition(s)`
    );
    return rows.slice(0, ctx.limit);
  }

  async jobs(ctx: KafkaReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    if (options.state !== 'dead' && options.state !== 'failed') {
      ctx.notice(
        'info',
        `Kafka lists dead-letter messages only (state dead or failed); "${options.state}" messages are offsets in a log, see the overview and workers queries`
      );
      return [];
    }
    const limit = Math.min(ctx.limit, MAX_DLT_LIMIT);
    const read = await this.deadLetters(ctx, queues, limit);
    if (!read) {
      return [];
    }
    return read.rows
      .filter((r) => matchesSearch(r, options.search))
      .sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || (a.id < b.id ? 1 : -1))
      .slice(0, limit);
  }

  async failures(ctx: KafkaReadContext, queues: string[]): Promise<FailureGroup[]> {
    const limit = Math.min(ctx.limit, MAX_DLT_LIMIT);
    const read = await this.deadLetters(ctx, queues, Math.max(limit, FAILURE_SAMPLES));
    return read ? groupFailures(read.samples, limit) : [];
  }

  async throughput(ctx: KafkaReadContext): Promise<Series[]> {
    ctx.notice(
      'info',
      "Kafka keeps no completed/failed history: graph the overview's wait (lag) and oldest_wait_seconds (time lag) over time instead"
    );
    return [];
  }

  /**
   * The newest dead letters: a dead-letter topic is read directly; a `<group>/<topic>` queue
   * reads its topic's dead-letter topics. Each partition from its high watermark − N.
   */
  private async deadLetters(ctx: KafkaReadContext, queues: string[], perPartition: number) {
    // Only the topics matter here: no group's offsets are read.
    const { snap } = await selectQueues(ctx, []);
    const deadLetterTopics = (label: string) =>
      groupOf(label) === undefined ? [label] : deadLetterTopicsOf(label.slice(label.lastIndexOf('/') + 1), snap.topics);
    let topics = [...new Set(queues.flatMap(deadLetterTopics))].sort();
    if (topics.length > MAX_DLT_TOPICS) {
      ctx.notice(
        'warning',
        `${topics.length} dead-letter topics: the first ${MAX_DLT_TOPICS} were read; narrow the queues`
      );
      topics = topics.slice(0, MAX_DLT_TOPICS);
    }
    if (topics.length === 0) {
      ctx.notice(
        'info',
        'no dead-letter topic (<topic>.DLT, <topic>-dlq or the data source’s dead-letter topics) among the queues'
      );
      return undefined;
    }
    const marks = await ctx.watermarks(topics);
    const read = await readNewestDeadLetters(ctx.fetcher, marks, {
      perPartition,
      payloadLimit: ctx.payloadLimit,
      requestTimeout: ctx.settings.client.requestTimeout ?? 10_000,
      describeError: (err) => ctx.describeError(err),
    });
    ctx.executed?.(`ListOffsets, Fetch ×${read.fetches} round(s) on ${topics.length} dead-letter topic(s)`);
    if (read.problems.length > 0) {
      const shown = read.problems.slice(0, 5).join('; ');
      ctx.notice('warning', `dead letters partly read: ${shown}${read.problems.length > 5 ? '; …' : ''}`);
    }
    return read;
  }
}
