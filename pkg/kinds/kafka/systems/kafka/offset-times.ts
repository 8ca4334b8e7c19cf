/**
 * When did a partition's log reach an offset? A lookup table per partition, kept per data
 * source instance across refreshes, in the manner of kafka-lag-exporter: at every refresh
 * the log end offset and the wall-clock time it was seen are added as a sample, and the time
 * a committed offset's record was written is interpolated between the two samples around it
 * (the record at offset c did not exist at a sample with end ≤ c and did at the next one
 * with end > c). Flat runs (no new records) keep only their first and last sample, so 64
 * samples can span a long quiet time. An offset older than the oldest sample cannot be
 * answered by the table: its record is read (time-lag.ts) and the read timestamp is kept
 * too, so a group that does not move costs no further read.
 *
 * Assumes timestamps rise with offsets (log append time, or create time from producers with
 * sane clocks); interpolations are clamped into the interval of the two points around.
 * Pure: no I/O.
 */

/** Log end `offset` seen at wall-clock `at` (ms). */
export interface EndSample {
  offset: number;
  at: number;
}

/** How a time was obtained: the record read (now or at an earlier refresh), or interpolated. */
export type TimeSource = 'read' | 'interpolated';

export interface OffsetTime {
  /** When the record at the offset was written (ms since the epoch). */
  ms: number;
  from: TimeSource;
  /** A read that found only its batch's base timestamp (codec not readable here). */
  batchTimestamp?: boolean;
}

interface Read {
  ms: number;
  batchTimestamp?: boolean;
}

export const SAMPLES_PER_PARTITION = 64;
export const READS_PER_PARTITION = 64;
export const MAX_PARTITIONS = 20_000;

function between(c: number, lo: { offset: number; ms: number }, hi: { offset: number; ms: number }): number {
  if (hi.offset === lo.offset) {
    return lo.ms;
  }
  const ms = lo.ms + ((c - lo.offset) / (hi.offset - lo.offset)) * (hi.ms - lo.ms);
  return Math.min(Math.max(ms, Math.min(lo.ms, hi.ms)), Math.max(lo.ms, hi.ms));
}

export class PartitionTimeline {
  /** Ascending in offset and time. */
  readonly samples: EndSample[] = [];
  /** Record timestamps read at offsets; insertion order = least recently used first. */
  private readonly reads = new Map<number, Read>();

  constructor(
    private readonly maxSamples = SAMPLES_PER_PARTITION,
    private readonly maxReads = READS_PER_PARTITION
  ) {}

  addEnd(offset: number, at: number): void {
    const last = this.samples[this.samples.length - 1];
    if (last && offset < last.offset) {
      // The log went back (topic deleted and recreated, or truncated): what was known is void.
      this.samples.length = 0;
      this.reads.clear();
    } else if (last && at <= last.at) {
      return;
    }
    const prev = this.samples[this.samples.length - 2];
    if (last && prev && prev.offset === offset && last.offset === offset) {
      this.samples[this.samples.length - 1] = { offset, at };
      return;
    }
    this.samples.push({ offset, at });
    if (this.samples.length > this.maxSamples) {
      this.samples.shift();
    }
  }

  addRead(offset: number, ms: number, batchTimestamp = false): void {
    this.reads.delete(offset);
    this.reads.set(offset, batchTimestamp ? { ms, batchTimestamp } : { ms });
    if (this.reads.size > this.maxReads) {
      this.reads.delete(this.reads.keys().next().value as number);
    }
  }

  /** The oldest offset the samples can answer for (undefined: fewer than two samples). */
  get answersFrom(): number | undefined {
    return this.samples.length >= 2 ? this.samples[0].offset : undefined;
  }

  /** From a read of this offset or the samples; undefined when the table cannot answer. */
  lookup(c: number): OffsetTime | undefined {
    const read = this.reads.get(c);
    if (read) {
      this.reads.delete(c);
      this.reads.set(c, read);
      return { ms: read.ms, from: 'read', ...(read.batchTimestamp ? { batchTimestamp: true } : {}) };
    }
    const s = this.samples;
    // The last sample whose end is ≤ c (the record was not there yet) and the next one.
    let i = -1;
    for (let k = s.length - 1; k >= 0; k--) {
      if (s[k].offset <= c) {
        i = k;
        break;
      }
    }
    if (i < 0 || i === s.length - 1) {
      return undefined;
    }
    return {
      ms: between(c, { offset: s[i].offset, ms: s[i].at }, { offset: s[i + 1].offset, ms: s[i + 1].at }),
      from: 'interpolated',
    };
  }

  /**
   * For an offset older than the samples that was not read: between the nearest read below
   * and the nearest point above (a read, or the oldest sample, at which the record existed).
   */
  lookupBetweenReads(c: number): OffsetTime | undefined {
    let lo: { offset: number; ms: number } | undefined;
    let hi: { offset: number; ms: number } | undefined =
      this.samples.length > 0 ? { offset: this.samples[0].offset, ms: this.samples[0].at } : undefined;
    for (const [offset, r] of this.reads) {
      if (offset < c && (!lo || offset > lo.offset)) {
        lo = { offset, ms: r.ms };
      }
      if (offset > c && (!hi || offset < hi.offset)) {
        hi = { offset, ms: r.ms };
      }
    }
    if (!lo || !hi) {
      return undefined;
    }
    return { ms: between(c, lo, hi), from: 'interpolated' };
  }
}

/** One timeline per topic partition, at most MAX_PARTITIONS (the least recently used go). */
export class OffsetTimes {
  private readonly byPartition = new Map<string, PartitionTimeline>();

  constructor(private readonly maxPartitions = MAX_PARTITIONS) {}

  of(topic: string, partition: number): PartitionTimeline {
    const key = `${topic}\u0000${partition}`;
    let t = this.byPartition.get(key);
    if (t) {
      this.byPartition.delete(key);
    } else {
      t = new PartitionTimeline();
      if (this.byPartition.size >= this.maxPartitions) {
        this.byPartition.delete(this.byPartition.keys().next().value as string);
      }
    }
    this.byPartition.set(key, t);
    return t;
  }
}
