/**
 * Dead-letter records → job rows, pure. Headers read (values are UTF-8 text unless noted):
 *   Spring Kafka (DeadLetterPublishingRecoverer):
 *     kafka_dlt-exception-fqcn → name, kafka_dlt-exception-message → error,
 *     kafka_dlt-exception-stacktrace → stacktrace, kafka_dlt-exception-cause-fqcn,
 *     kafka_dlt-original-topic, kafka_dlt-original-partition (int32 BE),
 *     kafka_dlt-original-offset (int64 BE), kafka_dlt-original-timestamp (int64 BE) → created;
 *     retry_topic-attempts (int32 BE) → attempts
 *   Kafka Connect (errors.deadletterqueue.context.headers.enable):
 *     __connect.errors.exception.class.name, __connect.errors.exception.message,
 *     __connect.errors.exception.stacktrace, __connect.errors.topic
 *   W3C trace context: traceparent → trace id.
 * The row's id is `<partition>:<offset>`; finished is the dead-letter record's timestamp.
 */
import type { JobRow } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent } from '../../../../reading/payload';
import type { FailureSample } from '../../../../reading/failure-reasons';
import type { KafkaRecord } from '../../record-batch';

/** The largest dead letter read whole, headers and all (Kafka's default max.message.bytes is 1 MiB); dead-letter-reads.ts reads a cut one again. */
export const LARGE_RECORD_CAP = 8 * 1024 * 1024;

const MAX_HEADER_TEXT = 64 * 1024;

function header(rec: KafkaRecord, ...names: string[]): Buffer | undefined {
  for (const name of names) {
    // The last occurrence wins: Spring appends fresh headers on every re-publish.
    for (let i = rec.headers.length - 1; i >= 0; i--) {
      const h = rec.headers[i];
      if (h.key === name && h.value) {
        return h.value;
      }
    }
  }
  return undefined;
}

const text = (b: Buffer | undefined) => (b ? b.subarray(0, MAX_HEADER_TEXT).toString('utf8') : undefined);

/** Spring writes numbers as big-endian binary; tolerate decimal text too. */
function number(b: Buffer | undefined): number | undefined {
  if (!b) {
    return undefined;
  }
  if (b.length === 4) {
    return b.readInt32BE(0);
  }
  if (b.length === 8) {
    return Number(b.readBigInt64BE(0));
  }
  const n = Number(b.toString('utf8'));
  return Number.isFinite(n) ? n : undefined;
}

/** A key shown as text when it is printable UTF-8, else as hex. */
export function keyText(key: Buffer | null): string | undefined {
  if (!key) {
    return undefined;
  }
  const p = describePayload(key, 256);
  return p.kind === 'binary' ? `0x${p.preview}` : p.preview;
}

/** Where the record failed, from Spring's or Connect's headers: ` [from orders[0] offset 500]`. */
function withOrigin(error: string | undefined, rec: KafkaRecord): string | undefined {
  const topic = text(header(rec, 'kafka_dlt-original-topic', '__connect.errors.topic'));
  if (!topic) {
    return error;
  }
  const partition = number(header(rec, 'kafka_dlt-original-partition', '__connect.errors.partition'));
  const offset = number(header(rec, 'kafka_dlt-original-offset', '__connect.errors.offset'));
  const where = `from ${topic}${partition !== undefined ? `[${partition}]` : ''}${offset !== undefined ? ` offset ${offset}` : ''}`;
  return error ? `${error} [${where}]` : `[${where}]`;
}

export interface DeadLetter {
  row: JobRow;
  sample: FailureSample;
}

export function deadLetterRow(
  queue: string,
  partition: number,
  rec: KafkaRecord,
  payloadLimit: number,
  /** Why a cut record was not read whole; default: over the cap. */
  cutWhy = `larger than the ${LARGE_RECORD_CAP / 1024 / 1024} MiB read cap`
): DeadLetter {
  const id = `${partition}:${rec.offset}`;
  const errorClass = text(header(rec, 'kafka_dlt-exception-fqcn', '__connect.errors.exception.class.name'));
  const message = text(header(rec, 'kafka_dlt-exception-message', '__connect.errors.exception.message'));
  const stacktrace = text(header(rec, 'kafka_dlt-exception-stacktrace', '__connect.errors.exception.stacktrace'));
  const originalTs = number(header(rec, 'kafka_dlt-original-timestamp'));
  let payload = describePayload(rec.value, payloadLimit);
  if (rec.cut && rec.valueSize >= 0) {
    // Only the first bytes arrived: the true size is the record's, and it is truncated.
    payload = { ...payload, bytes: rec.valueSize, truncated: true };
  }
  const row: JobRow = {
    queue,
    id,
    name: errorClass ?? keyText(rec.key),
    state: 'dead',
    attempts: number(header(rec, 'retry_topic-attempts')),
    createdAt: originalTs !== undefined && originalTs > 0 ? originalTs : undefined,
    finishedAt: rec.timestamp >= 0 ? rec.timestamp : undefined,
    error: rec.cut
      ? `record of ${rec.size} bytes, ${cutWhy}: headers not read`
      : withOrigin(message ?? (errorClass ? errorClass : undefined), rec),
    stacktrace,
    payload,
    traceId: traceIdFromTraceparent(text(header(rec, 'traceparent'))),
  };
  return {
    row,
    sample: { queue, jobId: id, errorClass, message: (rec.cut ? row.error : message) ?? '', at: row.finishedAt },
  };
}
