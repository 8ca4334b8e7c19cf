/**
 * Time lag per partition (Kafka's consumer lag in seconds): the timestamp of the record a
 * group would consume next, read with plain Fetch requests (fetch.ts), no group joined.
 */
import type { Notice } from '../../frames/frame';
import { RecordFetcher, READ_UNCOMMITTED } from './fetch';
import type { PartitionData } from './record-batch';

/** Partitions read at most per refresh, bytes per partition and per response, rounds. */
export const MAX_TIME_LAG_PARTITIONS = 1000;
export const TIME_LAG_PARTITION_BYTES = 64 * 1024;
const TIME_LAG_FETCH_BYTES = 4 * 1024 * 1024;
const TIME_LAG_ROUNDS = 3;
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
  /** Seconds since the next record to consume was written; undefined: not read. */
  timeLag?: number;
  /** The member the partition is assigned to: `clientId@host`. */
  member?: string;
}

/**
 * Time lag per partition: now − timestamp of the record at the committed offset (the next
 * one the group would consume; the log start when nothing is committed). 0 without lag.
 * The record's own timestamp when its batch decodes (uncompressed or gzip); otherwise the
 * batch's base timestamp, the oldest in the batch (so the time lag is never understated).
 */
export async function readTimeLags(
  fetcher: RecordFetcher,
  parts: PartitionLag[],
  now: number,
  notice: (n: Notice) => void,
  options: { requestTimeout: number; describeError(err: unknown): string }
): Promise<void> {
  let lagging: PartitionLag[] = [];
  for (const p of parts) {
    if (p.lag === 0) p.timeLag = 0;
    else lagging.push(p);
  }
  if (lagging.length > MAX_TIME_LAG_PARTITIONS) {
    notice({
      severity: 'warning',
      text: `time lag read for ${MAX_TIME_LAG_PARTITIONS} of ${lagging.length} lagging partitions (oldest_wait_seconds covers only those): narrow the queues`,
    });
    lagging = lagging.slice(0, MAX_TIME_LAG_PARTITIONS);
  }
  const from = (p: PartitionLag) => (p.committed < 0 ? p.low : Math.max(p.committed, p.low));
  // A request names a partition once: groups of one topic at different offsets take rounds.
  const rounds: PartitionLag[][][] = [];
  const byPartition = new Map<string, Map<number, PartitionLag[]>>();
  for (const p of lagging) {
    const key = `${p.topic}\u0000${p.partition}`;
    const offsets = byPartition.get(key) ?? new Map<number, PartitionLag[]>();
    offsets.set(from(p), [...(offsets.get(from(p)) ?? []), p]);
    byPartition.set(key, offsets);
  }
  let skipped = 0;
  for (const offsets of byPartition.values()) {
    [...offsets.values()].forEach((same, i) => {
      if (i >= TIME_LAG_ROUNDS) {
        skipped += same.length;
        return;
      }
      (rounds[i] ??= []).push(same);
    });
  }
  if (skipped > 0) {
    notice({
      severity: 'info',
      text: `time lag not read for ${skipped} partition(s): more than ${TIME_LAG_ROUNDS} groups of one topic at different offsets`,
    });
  }
  const unread: string[] = [];
  const unreadable = new Set<string>();
  let estimated = 0;
  for (const round of rounds) {
    let answers: PartitionData[];
    try {
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
        text: `time lag not read (oldest_wait_seconds left out): ${options.describeError(err)}`,
      });
      return;
    }
    const byKey = new Map(answers.map((a) => [`${a.topic}\u0000${a.partition}`, a]));
    for (const same of round) {
      const p0 = same[0];
      const offset = from(p0);
      const a = byKey.get(`${p0.topic}\u0000${p0.partition}`);
      let ts: number | undefined;
      if (a && a.errorCode === 0) {
        const rec = a.records.find((r) => r.offset >= offset);
        const batch = a.batches.find((b) => b.lastOffset >= offset && !b.control);
        if (rec && (!batch || rec.offset <= batch.lastOffset || batch.undecoded === undefined)) {
          ts = rec.timestamp;
        } else if (batch && batch.baseTimestamp >= 0) {
          ts = batch.baseTimestamp;
          estimated++;
        }
      } else if (a) {
        unreadable.add(
          `${p0.topic}[${p0.partition}]: error ${a.errorCode}${a.errorCode === 29 ? ' (TOPIC_AUTHORIZATION_FAILED: the user needs Read on the topic)' : ''}`
        );
      }
      if (ts === undefined || ts < 0) {
        if (a?.errorCode === 0) unread.push(`${p0.topic}[${p0.partition}]@${offset}`);
        continue;
      }
      for (const p of same) p.timeLag = Math.max(0, (now - ts) / 1000);
    }
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
}
