/**
 * Dead messages. JetStream has no dead-letter queue: when a message reaches a consumer's
 * max_deliver, or a worker terminates it (msg.term()), the server only publishes an
 * advisory on
 *   $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.<stream>.<consumer>
 *   $JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.<stream>.<consumer>
 * which nobody sees unless a stream captures them (jsonData.advisoryStream). From such a
 * stream, read-only:
 *   counts  one $JS.API.STREAM.INFO with subjects_filter → messages per subject (= per consumer)
 *   jobs    $JS.API.STREAM.MSG.GET of the newest advisories by sequence (at most `scan`
 *           gets), then one MSG.GET per advisory of the original message (its stream_seq)
 *           while the stream's retention still keeps it
 */
import type { JetStreamManager, StoredMsg } from 'nats';
import type { JobRow } from '../../../../reading/rows';
import { describePayload, traceIdFromTraceparent, tryJSON } from '../../../../reading/payload';
import type { FailureSample } from '../../../../reading/failure-reasons';

export const ADVISORY_PREFIX = '$JS.EVENT.ADVISORY.CONSUMER';
const KINDS = ['MAX_DELIVERIES', 'MSG_TERMINATED'];

export const NO_ADVISORY_STREAM_NOTICE =
  'JetStream has no dead-letter queue: messages that reach max_deliver or are terminated only raise an advisory. ' +
  'To see them, capture the advisories in a stream, e.g. `nats stream add JOBSCOPE_DEAD --subjects ' +
  "'$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>' --subjects '$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>' --max-age 7d`, " +
  'and set it as the advisory stream of this data source (the original payloads stay readable while their stream keeps them).';

export interface Advisory {
  kind: 'max_deliver' | 'terminated';
  stream: string;
  consumer: string;
  streamSeq: number;
  deliveries?: number;
  reason?: string;
  at?: number;
  id?: string;
}

/** `$JS.EVENT.ADVISORY.CONSUMER.<KIND>.<stream>.<consumer>` → its parts (names hold no dots). */
export function parseAdvisorySubject(subject: string): { kind: string; stream: string; consumer: string } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 7 || `${parts.slice(0, 4).join('.')}` !== ADVISORY_PREFIX || !KINDS.includes(parts[4])) {
    return undefined;
  }
  return { kind: parts[4], stream: parts[5], consumer: parts[6] };
}

/** Captured advisories per queue label `<stream>/<consumer>`: one STREAM.INFO call. */
export async function deadCounts(jsm: JetStreamManager, advisoryStream: string): Promise<Map<string, number>> {
  const info = await jsm.streams.info(advisoryStream, { subjects_filter: `${ADVISORY_PREFIX}.>` });
  const counts = new Map<string, number>();
  for (const [subject, n] of Object.entries(info.state.subjects ?? {})) {
    const p = parseAdvisorySubject(subject);
    if (p) {
      const label = `${p.stream}/${p.consumer}`;
      counts.set(label, (counts.get(label) ?? 0) + Number(n));
    }
  }
  return counts;
}

export function parseAdvisory(m: StoredMsg): Advisory | undefined {
  const p = parseAdvisorySubject(m.subject);
  if (!p) {
    return undefined;
  }
  const body = tryJSON(Buffer.from(m.data).toString('utf8')) ?? {};
  const seq = Number(body.stream_seq);
  if (!Number.isSafeInteger(seq) || seq <= 0) {
    return undefined;
  }
  const at = Date.parse(body.timestamp ?? m.timestamp);
  return {
    kind: p.kind === 'MAX_DELIVERIES' ? 'max_deliver' : 'terminated',
    stream: typeof body.stream === 'string' ? body.stream : p.stream,
    consumer: typeof body.consumer === 'string' ? body.consumer : p.consumer,
    streamSeq: seq,
    deliveries: Number.isFinite(Number(body.deliveries)) ? Number(body.deliveries) : undefined,
    reason: typeof body.reason === 'string' && body.reason !== '' ? body.reason : undefined,
    at: Number.isFinite(at) ? at : undefined,
    id: typeof body.id === 'string' ? body.id : undefined,
  };
}

const is404 = (err: unknown) =>
  (err as { code?: unknown })?.code === '404' || (err as { api_error?: { code?: number } })?.api_error?.code === 404;

/**
 * The newest captured advisories whose queue passes `wanted`, newest first: walks down from
 * the advisory stream's last sequence, at most `scan` message gets, stops at `limit`.
 */
export async function recentAdvisories(
  jsm: JetStreamManager,
  advisoryStream: string,
  wanted: (label: string) => boolean,
  limit: number,
  scan: number
): Promise<{ advisories: Advisory[]; scanned: number; exhausted: boolean }> {
  const info = await jsm.streams.info(advisoryStream);
  const first = info.state.first_seq;
  let seq = info.state.last_seq;
  const out: Advisory[] = [];
  let scanned = 0;
  const BATCH = 16;
  while (seq >= first && seq > 0 && out.length < limit && scanned < scan) {
    const seqs: number[] = [];
    for (; seqs.length < BATCH && seq >= first && seq > 0 && scanned + seqs.length < scan; seq--) {
      seqs.push(seq);
    }
    scanned += seqs.length;
    const got = await Promise.all(
      seqs.map((s) =>
        jsm.streams
          .getMessage(advisoryStream, { seq: s })
          .catch((err) => (is404(err) ? undefined : Promise.reject(err)))
      )
    );
    for (const m of got) {
      const a = m && parseAdvisory(m);
      if (a && wanted(`${a.stream}/${a.consumer}`) && out.length < limit) {
        out.push(a);
      }
    }
  }
  return { advisories: out, scanned, exhausted: !(seq >= first && seq > 0) };
}

/** The original message of an advisory, or undefined when retention removed it. */
export async function originalMessage(jsm: JetStreamManager, a: Advisory): Promise<StoredMsg | undefined> {
  try {
    return await jsm.streams.getMessage(a.stream, { seq: a.streamSeq });
  } catch (err) {
    if (is404(err)) {
      return undefined;
    }
    throw err;
  }
}

export function advisoryError(a: Advisory): string {
  const base =
    a.kind === 'max_deliver'
      ? `max deliveries reached${a.deliveries ? ` (${a.deliveries} deliveries)` : ''}`
      : `terminated by the worker (msg.term)${a.deliveries ? ` after ${a.deliveries} deliveries` : ''}`;
  return a.reason ? `${base}: ${a.reason}` : base;
}

export function advisoryRow(a: Advisory, original: StoredMsg | undefined, payloadLimit: number): JobRow {
  const headers = original?.header;
  const traceparent = headers?.get('traceparent') || undefined;
  const msgId = headers?.get('Nats-Msg-Id') || undefined;
  const row: JobRow = {
    queue: `${a.stream}/${a.consumer}`,
    id: msgId ? `${msgId} (seq ${a.streamSeq})` : `seq ${a.streamSeq}`,
    name: original?.subject,
    state: 'dead',
    attempts: a.deliveries,
    createdAt: original ? Date.parse(original.timestamp) : undefined,
    finishedAt: a.at,
    error: original
      ? advisoryError(a)
      : `${advisoryError(a)}; original message no longer in stream "${a.stream}" (retention)`,
    traceId: traceIdFromTraceparent(traceparent),
  };
  if (original) {
    row.payload = describePayload(Buffer.from(original.data), payloadLimit);
  }
  return row;
}

export function advisorySample(a: Advisory, row: JobRow): FailureSample {
  return {
    queue: row.queue,
    jobId: row.id,
    errorClass: a.kind === 'max_deliver' ? 'max_deliver' : 'terminated',
    message: a.reason ?? (a.kind === 'max_deliver' ? 'max deliveries reached' : 'terminated by the worker'),
    at: a.at,
  };
}
