/**
 * Consumer lag, pure: partition offsets in, lag out; and a lag-trend evaluation in the
 * spirit of Burrow (github.com/linkedin/Burrow, "Consumer Lag Evaluation Rules") over the
 * samples the plugin keeps in memory for each <group>/<topic>.
 */

export interface PartitionOffsets {
  partition: number;
  /** Log start offset (low watermark). */
  low: number;
  /** Log end offset (high watermark). */
  high: number;
  /** The group's committed offset; -1 when it committed nothing for this partition. */
  committed: number;
}

/**
 * Messages the group has not consumed in one partition: high − committed, or high − low when
 * nothing was committed (the group would start at the oldest retained message; with
 * auto.offset.reset=latest it would skip them, which the broker cannot tell us). A committed
 * offset below the log start (messages deleted by retention) counts from the log start.
 */
export function partitionLag(p: PartitionOffsets): number {
  const from = p.committed < 0 ? p.low : Math.max(p.committed, p.low);
  return Math.max(0, p.high - from);
}

export function totalLag(parts: PartitionOffsets[]): number {
  return parts.reduce((sum, p) => sum + partitionLag(p), 0);
}

/** Retained messages of a topic (dead-letter topics: their `dead` count). */
export function retained(parts: Array<{ low: number; high: number }>): number {
  return parts.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0);
}

export type LagStatus = 'OK' | 'WARN' | 'STALL' | 'STOP';

export interface LagSample {
  at: number;
  /** Sum of committed offsets over partitions (-1s count as 0): moves when the group commits. */
  committed: number;
  lag: number;
}

/**
 * Burrow's rules, adapted to what the admin API gives (no commit timestamps):
 * - any sample with zero lag → OK (the group caught up inside the window);
 * - lag > 0 and the group has no members → STOP (nobody is consuming; members undefined =
 *   unknown, then only the rules below apply);
 * - committed offsets unchanged across the window while lag > 0 → STALL (members present
 *   but not committing: stuck or crash-looping);
 * - offsets move but lag grows at every sample → WARN (falling behind);
 * - otherwise OK. Fewer than `minSamples` samples: OK unless STOP applies (too early to tell).
 */
export function evaluateLag(samples: LagSample[], members: number | undefined, minSamples = 3): LagStatus {
  const last = samples[samples.length - 1];
  if (!last || samples.some((s) => s.lag === 0)) {
    return 'OK';
  }
  if (members === 0) {
    return 'STOP';
  }
  if (samples.length < minSamples) {
    return 'OK';
  }
  if (samples.every((s) => s.committed === samples[0].committed)) {
    return 'STALL';
  }
  const growing = samples.every((s, i) => i === 0 || s.lag > samples[i - 1].lag);
  return growing ? 'WARN' : 'OK';
}

/** Keeps the last `size` samples per key; a sample taken within `minGapMs` of the previous replaces it. */
export class SampleWindow {
  private readonly byKey = new Map<string, LagSample[]>();
  constructor(
    private readonly size = 10,
    private readonly minGapMs = 1000,
    private readonly maxKeys = 5000
  ) {}

  add(key: string, sample: LagSample): LagSample[] {
    let list = this.byKey.get(key);
    if (!list) {
      if (this.byKey.size >= this.maxKeys) {
        this.byKey.delete(this.byKey.keys().next().value as string);
      }
      list = [];
      this.byKey.set(key, list);
    }
    const prev = list[list.length - 1];
    if (prev && sample.at - prev.at < this.minGapMs) {
      list[list.length - 1] = sample;
    } else {
      list.push(sample);
    }
    if (list.length > this.size) {
      list.splice(0, list.length - this.size);
    }
    return list;
  }
}

/** Dead-letter topics by name: <topic>.DLT (Spring Kafka) and <topic>-dlq (Kafka Connect habit). */
export function deadLetterTopicsOf(topic: string, existing: Set<string>): string[] {
  return [`${topic}.DLT`, `${topic}-dlq`].filter((t) => existing.has(t));
}

export function isDeadLetterTopic(topic: string, configured: string[]): boolean {
  return /\.DLT$/.test(topic) || /-dlq$/i.test(topic) || configured.includes(topic);
}
