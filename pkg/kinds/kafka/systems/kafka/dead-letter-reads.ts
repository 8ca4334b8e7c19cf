/**
 * Reading the newest dead letters of some topics with plain Fetch requests (fetch.ts): each
 * partition from its high watermark − N, in up to DLT_ROUNDS rounds for partitions that did
 * not reach their end (DLT_PARTITION_BYTES per partition, DLT_FETCH_BYTES per response).
 * Records become job rows and failure samples (dead-letters.ts).
 *
 * Headers follow the value in Kafka's record format, so a record cut by those bounds has
 * none: each cut record of at most LARGE_RECORD_CAP bytes is read again whole, alone in a
 * Fetch at its offset (the broker returns the first batch of a request whole, KIP-74; a
 * topic's max.message.bytes bounds that batch), at most MAX_LARGE_READS a query, one at a
 * time. Only the payload preview is cut (to the payload limit). Larger records are listed by
 * key and size without headers.
 */
import type { JobRow } from '../../../../reading/rows';
import type { FailureSample } from '../../../../reading/failure-reasons';
import { RecordFetcher, READ_COMMITTED } from '../../fetch';
import type { KafkaRecord, PartitionData } from '../../record-batch';
import { deadLetterRow, LARGE_RECORD_CAP } from './dead-letters';
import { MAX_DECOMPRESSED } from './time-lag';

const DLT_PARTITION_BYTES = 1024 * 1024;
const DLT_FETCH_BYTES = 8 * 1024 * 1024;
const DLT_ROUNDS = 3;
const MAX_LARGE_READS = 8;
/** Room for the batch header around a record read again. */
const BATCH_SLACK = 64 * 1024;

export interface DeadLetterReads {
  rows: JobRow[];
  samples: FailureSample[];
  /** What could not be read, for a notice. */
  problems: string[];
  fetches: number;
}

export async function readNewestDeadLetters(
  fetcher: RecordFetcher,
  marks: Map<string, Array<{ partition: number; low: number; high: number }>>,
  options: { perPartition: number; payloadLimit: number; requestTimeout: number; describeError(err: unknown): Error }
): Promise<DeadLetterReads> {
  const { perPartition } = options;
  // Partition cursors: next offset to read, end (high watermark).
  const cursors = [...marks].flatMap(([topic, parts]) =>
    parts
      .filter((p) => p.high > p.low)
      .map((p) => ({
        topic,
        partition: p.partition,
        next: Math.max(p.low, p.high - perPartition),
        end: p.high,
        stuck: 0,
      }))
  );
  const rows: JobRow[] = [];
  const samples: FailureSample[] = [];
  const problems: string[] = [];
  let fetches = 0;
  const large: Array<{ topic: string; partition: number; rec: KafkaRecord }> = [];
  for (let round = 0; round < DLT_ROUNDS; round++) {
    // Partitions that made no progress go first: the broker returns a batch larger than the
    // bound only for the first partition of a request (KIP-74), so that one gets through.
    const open = cursors.filter((c) => c.next < c.end).sort((a, b) => b.stuck - a.stuck);
    if (open.length === 0) {
      break;
    }
    let answers: PartitionData[];
    try {
      answers = await fetcher.fetch(
        open.map((c) => ({ topic: c.topic, partition: c.partition, offset: c.next, maxBytes: DLT_PARTITION_BYTES })),
        {
          isolationLevel: READ_COMMITTED,
          maxBytes: DLT_FETCH_BYTES,
          maxDecompressed: MAX_DECOMPRESSED,
          requestTimeout: options.requestTimeout,
        }
      );
    } catch (err) {
      throw options.describeError(err);
    }
    fetches++;
    const byKey = new Map(answers.map((a) => [`${a.topic}\u0000${a.partition}`, a]));
    for (const c of open) {
      const a = byKey.get(`${c.topic}\u0000${c.partition}`);
      if (!a || a.errorCode !== 0) {
        problems.push(
          `${c.topic}[${c.partition}]: ${a?.errorCode === 29 ? 'TOPIC_AUTHORIZATION_FAILED (the user needs Read on the topic)' : `error ${a?.errorCode ?? 'no answer'}`}`
        );
        c.end = c.next;
        continue;
      }
      const before = c.next;
      for (const rec of a.records) {
        if (rec.offset < c.next || rec.offset >= c.end) {
          continue;
        }
        if (rec.cut && rec.size <= LARGE_RECORD_CAP) {
          large.push({ topic: c.topic, partition: c.partition, rec });
        } else {
          const dl = deadLetterRow(c.topic, c.partition, rec, options.payloadLimit);
          rows.push(dl.row);
          samples.push(dl.sample);
        }
        c.next = rec.offset + 1;
      }
      for (const b of a.batches) {
        if (b.undecoded && b.lastOffset >= c.next) {
          problems.push(
            `${c.topic}[${c.partition}] offsets ${Math.max(b.baseOffset, c.next)}–${b.lastOffset}: ${b.undecoded}`
          );
          c.next = b.lastOffset + 1;
        } else if (b.control && b.lastOffset >= c.next) {
          c.next = b.lastOffset + 1;
        }
      }
      if (c.next === before) {
        c.stuck++;
      }
      if (c.next === before && a.bytes === 0 && a.highWatermark <= c.next) {
        c.end = c.next;
      }
    }
  }
  // Cut records within the cap, read again whole; the newest first when there are too many.
  large.sort((x, y) => y.rec.timestamp - x.rec.timestamp);
  for (const [i, { topic, partition, rec }] of large.entries()) {
    let whole: KafkaRecord | undefined;
    if (i < MAX_LARGE_READS) {
      const bound = Math.min(LARGE_RECORD_CAP, rec.size) + BATCH_SLACK;
      let answers: PartitionData[];
      try {
        answers = await fetcher.fetch([{ topic, partition, offset: rec.offset, maxBytes: bound }], {
          isolationLevel: READ_COMMITTED,
          maxBytes: bound,
          maxDecompressed: MAX_DECOMPRESSED,
          requestTimeout: options.requestTimeout,
        });
      } catch (err) {
        throw options.describeError(err);
      }
      fetches++;
      whole = answers[0]?.records.find((r) => r.offset === rec.offset && !r.cut);
    }
    if (!whole) {
      problems.push(
        i < MAX_LARGE_READS
          ? `${topic}[${partition}] offset ${rec.offset}: a record of ${rec.size} bytes could not be read whole`
          : `${topic}[${partition}] offset ${rec.offset}: more than ${MAX_LARGE_READS} records over ${DLT_PARTITION_BYTES / 1024 / 1024} MiB in one query; its headers were not read`
      );
    }
    const why = i < MAX_LARGE_READS ? 'not read whole' : `past the ${MAX_LARGE_READS} large records read a query`;
    const dl = deadLetterRow(topic, partition, whole ?? rec, options.payloadLimit, why);
    rows.push(dl.row);
    samples.push(dl.sample);
  }
  const unread = cursors.filter((c) => c.next < c.end);
  if (unread.length > 0) {
    problems.push(
      `${unread.reduce((s, c) => s + c.end - c.next, 0)} newer message(s) not read after ${DLT_ROUNDS} reads (${unread
        .slice(0, 3)
        .map((c) => `${c.topic}[${c.partition}] from ${c.next}`)
        .join(', ')}): messages larger than ${DLT_PARTITION_BYTES / 1024 / 1024} MiB`
    );
  }
  return { rows, samples, problems, fetches };
}
