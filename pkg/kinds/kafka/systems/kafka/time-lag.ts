/**
 * Time lag per partition (Kafka's consumer lag in seconds): when the record a group would
 * consume next was written. Answered from the partition's lookup table (offset-times.ts:
 * log-end samples of earlier refreshes, records read before) where it can, else read with
 * plain Fetch requests (fetch.ts, no group joined) — at most TIME_LAG_ROUNDS offsets a
 * partition per refresh, whatever the number of groups.
 */
import type { Notice } from '../../../../reading/notice';
import { RecordFetcher, READ_UNCOMMITTED } from '../../fetch';
import type { PartitionData } from '../../record-batch';
import type { OffsetTime, OffsetTimes, PartitionTimeline, TimeSource } from './offset-times';

/** Partitions read at most per refresh, bytes per partition and per response, rounds. */
export const MAX_TIME_LAG_PARTITIONS = 1000;
export const TIME_LAG_PARTITION_BYTES = 64 * 1024;
const TIME_LAG_FETCH_BYTES = 4 * 1024 * 1024;
/** Fetch rounds a refresh (one Fetch per leader each): distinct offsets read per partition. */
export const TIME_LAG_ROUNDS = 3;
/** A compressed batch may inflate to this much before it counts as undecoded. */
export const MAX_DECOMPRESSED = 16 * 1024 * 1024;

/** One partition of a `<group>/<topic>` queue. */
export interface PartitionLag {
  queue: string;
  group: string;
  topic: string;
  partition: number;
  low: number;
  high: number;
  /** -1: nothing committed. */
  committed: number;
  lag: number;
  /** Seconds since the next record to consume was written; undefined: not known. */
  timeLag?: number;
  /** How timeLag was obtained: the record read, or interpolated from the lookup table. */
  timeLagFrom?: TimeSource;
  /** The member the partition is assigned to: `clientId@host`. */
  member?: string;
}

/**
 * Bisection order: the lowest, the highest, then the middles, so that what a refresh reads
 * brackets what it leaves for the next one.
 */
export function spreadOrder<T>(sorted: T[]): T[] {
  if (sorted.length <= 2) {
    return [...sorted];
  }
  const out = [sorted[0], sorted[sorted.length - 1]];
  const spans: Array<[number, number]> = [[0, sorted.length - 1]];
  while (spans.length) {
    const [a, b] = spans.shift()!;
    if (b - a < 2) {
      continue;
    }
    const m = (a + b) >> 1;
    out.push(sorted[m]);
    spans.push([a, m], [m, b]);
  }
  return out;
}

/** The offset whose record a partition row waits on: the committed one, else the log start. */
const from = (p: PartitionLag) => (p.committed < 0 ? p.low : Math.max(p.committed, p.low));

/**
 * Time lag per partition: now − when the record at the committed offset was written (the
 * next one the group would consume; the log start when nothing is committed). 0 without lag.
 * `at` is when the high watermarks in `parts` were read: each partition's table gets that
 * sample first. A read takes the record's own timestamp when its batch decodes (uncompressed
 * or gzip); otherwise the batch's base timestamp, the oldest in the batch (so the time lag is
 * never understated).
 */
export async function readTimeLags(
  fetcher: RecordFetcher,
  tables: OffsetTimes,
  parts: PartitionLag[],
  now: number,
  at: number,
  notice: (n: Notice) => void,
  options: { requestTimeout: number; describeError(err: unknown): string }
): Promise<{ fetches: number }> {
  const timeline = (p: PartitionLag) => tables.of(p.topic, p.partition);
  const sampled = new Set<string>();
  let lagging: PartitionLag[] = [];
  for (const p of parts) {
    const key = `${p.topic}\u0000${p.partition}`;
    if (!sampled.has(key)) {
      sampled.add(key);
      timeline(p).addEnd(p.high, at);
    }
    if (p.lag === 0) {
      p.timeLag = 0;
    } else {
      lagging.push(p);
    }
  }
  if (lagging.length > MAX_TIME_LAG_PARTITIONS) {
    notice({
      severity: 'warning',
      text: `time lag read for ${MAX_TIME_LAG_PARTITIONS} of ${lagging.length} lagging partitions (oldest_wait_seconds covers only those): narrow the queues`,
    });
    lagging = lagging.slice(0, MAX_TIME_LAG_PARTITIONS);
  }
  const apply = (p: PartitionLag, t: OffsetTime) => {
    p.timeLag = Math.max(0, (now - t.ms) / 1000);
    p.timeLagFrom = t.from;
  };
  // What the tables answer; per partition, the distinct offsets they cannot.
  const unanswered = new Map<string, { line: PartitionTimeline; offsets: Map<number, PartitionLag[]> }>();
  for (const p of lagging) {
    const t = timeline(p).lookup(from(p));
    if (t) {
      apply(p, t);
      continue;
    }
    const key = `${p.topic}\u0000${p.partition}`;
    const entry = unanswered.get(key) ?? { line: timeline(p), offsets: new Map<number, PartitionLag[]>() };
    entry.offsets.set(from(p), [...(entry.offsets.get(from(p)) ?? []), p]);
    unanswered.set(key, entry);
  }
  // A request names a partition once: a round reads one offset of each partition.
  const rounds: PartitionLag[][][] = [];
  let deferred = 0;
  for (const { offsets } of unanswered.values()) {
    const order = spreadOrder([...offsets.keys()].sort((a, b) => a - b));
    order.forEach((offset, i) => {
      if (i < TIME_LAG_ROUNDS) {
        (rounds[i] ??= []).push(offsets.get(offset)!);
      } else {
        deferred += offsets.get(offset)!.length;
      }
    });
  }
  const unread: string[] = [];
  const unreadable = new Set<string>();
  let estimated = 0;
  let fetches = 0;
  for (const round of rounds) {
    let answers: PartitionData[];
    try {
      fetches++;
      answers = await fetcher.fetch(
        round.map((same) => ({
          topic: same[0].topic,
          partition: same[0].partition,
          offset: from(same[0]),
          maxBytes: TIME_LAG_PARTITION_BYTES,
        })),
        {
          isolationLevel: READ_UNCOMMITTED,
          maxBytes: TIME_LAG_FETCH_BYTES,
          maxDecompressed: MAX_DECOMPRESSED,
          requestTimeout: options.requestTimeout,
        }
      );
    } catch (err) {
      // The lag in offsets stands; only the time lag is missing.
      notice({
        severity: 'warning',
        text: `time lag not read (oldest_wait_seconds left out where the lookup table could not answer): ${options.describeError(err)}`,
      });
      return { fetches };
    }
    const byKey = new Map(answers.map((a) => [`${a.topic}\u0000${a.partition}`, a]));
    for (const same of round) {
      const p0 = same[0];
      const offset = from(p0);
      const a = byKey.get(`${p0.topic}\u0000${p0.partition}`);
      let ts: number | undefined;
      let batchTimestamp = false;
      if (a && a.errorCode === 0) {
        const rec = a.records.find((r) => r.offset >= offset);
        const batch = a.batches.find((b) => b.lastOffset >= offset && !b.control);
        if (rec && (!batch || rec.offset <= batch.lastOffset || batch.undecoded === undefined)) {
          ts = rec.timestamp;
        } else if (batch && batch.baseTimestamp >= 0) {
          ts = batch.baseTimestamp;
          batchTimestamp = true;
          estimated++;
        }
      } else if (a) {
        unreadable.add(
          `${p0.topic}[${p0.partition}]: error ${a.errorCode}${a.errorCode === 29 ? ' (TOPIC_AUTHORIZATION_FAILED: the user needs Read on the topic)' : ''}`
        );
      }
      if (ts === undefined || ts < 0) {
        if (a?.errorCode === 0) {
          unread.push(`${p0.topic}[${p0.partition}]@${offset}`);
        }
        continue;
      }
      timeline(p0).addRead(offset, ts, batchTimestamp);
      for (const p of same) {
        apply(p, { ms: ts, from: 'read' });
      }
    }
  }
  // Offsets past this refresh's reads: between the reads around them, or at a later refresh.
  let later = 0;
  if (deferred > 0) {
    for (const { line, offsets } of unanswered.values()) {
      for (const [offset, same] of offsets) {
        if (same[0].timeLag !== undefined) {
          continue;
        }
        const t = line.lookupBetweenReads(offset);
        if (t) {
          same.forEach((p) => apply(p, t));
        } else {
          later += same.length;
        }
      }
    }
  }
  if (later > 0) {
    notice({
      severity: 'info',
      text: `time lag of ${later} partition(s) not known yet: their committed offsets are older than the lookup table and ${TIME_LAG_ROUNDS} offsets a partition are read per refresh; the next refreshes read them`,
    });
  }
  if (unread.length > 0) {
    notice({
      severity: 'info',
      text: `time lag not read for ${unread.length} partition(s) (${unread.slice(0, 5).join(', ')}${unread.length > 5 ? ', …' : ''}): the record batch at the committed offset is larger than ${TIME_LAG_PARTITION_BYTES / 1024} KiB or holds no message`,
    });
  }
  if (unreadable.size > 0) {
    notice({ severity: 'warning', text: `time lag not read: ${[...unreadable].slice(0, 5).join('; ')}` });
  }
  if (estimated > 0) {
    notice({
      severity: 'info',
      text: `time lag of ${estimated} partition(s) from the batch's oldest timestamp: the batch is compressed with a codec the plugin cannot read (Snappy, LZ4, ZSTD), so the time lag may be overstated by the producer's linger time`,
    });
  }
  return { fetches };
}
