/**
 * Waiting and active jobs of a consumer, read from the stream store without consuming.
 * A queue is `<stream>/<consumer>`; its consumer info (one CONSUMER.LIST page) says where
 * it stands, and the messages are read with $JS.API.STREAM.MSG.GET (stored-messages.ts):
 *   waiting  not delivered yet: the messages matching the consumer's filter from
 *            delivered.stream_seq + 1 on (the server keeps delivered.stream_seq = its next
 *            stream sequence − 1), the oldest first; num_pending says how many there are
 *   active   delivered, not acknowledged: the matching messages in
 *            (ack_floor.stream_seq, delivered.stream_seq]. JetStream does not expose which of
 *            those were acknowledged out of order (the consumer's pending map is internal),
 *            so when they outnumber num_ack_pending a notice says so. When they are exactly
 *            num_ack_pending (always on a work-queue stream, which deletes acked messages,
 *            and whenever acks came in order) the list is exact.
 * Cost: at most `limit` + GET_SLACK message gets a query, CONCURRENCY at a time; never a
 * fetch, pull, ack or consumer create.
 */
import type { ConsumerInfo, StreamInfo } from 'nats';
import type { Notice } from '../../../../reading/notice';
import type { JobRow } from '../../../../reading/rows';
import { matchesSearch } from '../../../../reading/rows';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { header, MsgGetRequest, StoredMessage, storedPayload } from './stored-messages';
import { consumerFilters } from './overview';

/** Message gets a query may make beyond its limit (probes that land on the same message). */
export const GET_SLACK = 16;
const CONCURRENCY = 16;
/** After a message this big, read two at a time (each get holds a whole message). */
const BIG_MESSAGE = 1 << 20;

export type MessageGetter = (req: MsgGetRequest) => Promise<StoredMessage | undefined>;

export interface Walk {
  messages: StoredMessage[];
  gets: number;
  /** True when every matching message in the range was read. */
  complete: boolean;
}

/**
 * Messages matching one subject filter with sequence in [from, to], oldest first, at most
 * `want`, at most `budget` gets. A batch asks, in parallel, for the first match at or after
 * each of the next n sequences: every match between the first sequence and the highest
 * answer comes back (a match at s is the answer of the probe at s), so a dense filter reads
 * n messages per round trip; when answers repeat (sparse matches) the batch shrinks.
 */
export async function walkFilter(
  get: MessageGetter,
  filter: string,
  from: number,
  to: number,
  want: number,
  budget: number
): Promise<Walk> {
  const out: StoredMessage[] = [];
  let gets = 0;
  let seq = from;
  let batch = Math.min(CONCURRENCY, want);
  let maxBatch = CONCURRENCY;
  while (out.length < want && seq <= to) {
    const n = Math.min(batch, want - out.length, budget - gets, to - seq + 1);
    if (n <= 0) {
      return { messages: out, gets, complete: false };
    }
    const seqs = Array.from({ length: n }, (_, i) => seq + i);
    gets += n;
    const got = await Promise.all(seqs.map((s) => get({ seq: s, next_by_subj: filter })));
    const bySeq = new Map<number, StoredMessage>();
    let ended = false;
    for (const m of got) {
      if (!m || m.seq > to) {
        ended = true; // no match at or after that probe within the range
      } else {
        bySeq.set(m.seq, m);
      }
    }
    const found = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const taken = found.slice(0, want - out.length);
    out.push(...taken);
    if (taken.length < found.length) {
      return { messages: out, gets, complete: false };
    }
    if (ended || found.length === 0) {
      return { messages: out, gets, complete: true };
    }
    seq = found[found.length - 1].seq + 1;
    if (found.some((m) => m.size > BIG_MESSAGE)) {
      maxBatch = 2;
    }
    batch = Math.min(maxBatch, found.length === n ? batch * 2 : Math.max(1, found.length));
  }
  return { messages: out, gets, complete: seq > to };
}

/**
 * Messages matching any of several filters (a 2.10+ consumer's filter_subjects): one cursor
 * per filter, the lowest sequence taken next; at most want + filters.length gets.
 */
export async function walkFilters(
  get: MessageGetter,
  filters: string[],
  from: number,
  to: number,
  want: number,
  budget: number
): Promise<Walk> {
  let gets = 0;
  const next = async (filter: string, seq: number) => {
    gets++;
    const m = await get({ seq, next_by_subj: filter });
    return m && m.seq <= to ? m : undefined;
  };
  if (filters.length > budget) {
    return { messages: [], gets, complete: false };
  }
  const heads = await Promise.all(filters.map((f) => next(f, from)));
  const out: StoredMessage[] = [];
  for (;;) {
    let low: StoredMessage | undefined;
    for (const h of heads) {
      if (h && (!low || h.seq < low.seq)) {
        low = h;
      }
    }
    if (!low) {
      return { messages: out, gets, complete: true };
    }
    if (out.length >= want) {
      return { messages: out, gets, complete: false };
    }
    out.push(low);
    const advance = heads.map((h, i) => (h?.seq === low!.seq ? i : -1)).filter((i) => i >= 0);
    if (out.length >= want) {
      continue; // the loop ends above, telling whether anything is left
    }
    if (gets + advance.length > budget) {
      return { messages: out, gets, complete: false };
    }
    const moved = await Promise.all(advance.map((i) => next(filters[i], low!.seq + 1)));
    advance.forEach((i, k) => (heads[i] = moved[k]));
  }
}

/** The consumer's matching messages in [from, to]. */
export function walkConsumer(
  get: MessageGetter,
  ci: ConsumerInfo,
  from: number,
  to: number,
  want: number,
  budget: number
): Promise<Walk> {
  if (from > to || want <= 0) {
    return Promise.resolve({ messages: [], gets: 0, complete: from > to });
  }
  const filters = consumerFilters(ci);
  return filters.length > 1
    ? walkFilters(get, filters, from, to, want, budget)
    : walkFilter(get, filters[0] ?? '>', from, to, want, budget);
}

export function messageRow(queue: string, m: StoredMessage, state: 'waiting' | 'active', payloadLimit: number): JobRow {
  const msgId = header(m.headers, 'Nats-Msg-Id') || undefined;
  return {
    queue,
    id: msgId ? `${msgId} (seq ${m.seq})` : `seq ${m.seq}`,
    name: m.subject,
    state,
    // Not delivered to this consumer yet; per-message delivery counts of delivered ones are not exposed.
    attempts: state === 'waiting' ? 0 : undefined,
    createdAt: Number.isFinite(m.time) ? m.time : undefined,
    payload: storedPayload(m, payloadLimit),
    traceId: traceIdFromTraceparent(header(m.headers, 'traceparent')),
  };
}

export interface ConsumerRef {
  label: string;
  stream: StreamInfo;
  consumer: ConsumerInfo;
}

export interface ConsumerJobs {
  rows: JobRow[];
  gets: number;
  consumersRead: number;
}

/**
 * Waiting or active messages of the consumers, in their order, sharing the query's limit;
 * at most limit + GET_SLACK message gets in all. With a search, the messages read are
 * filtered (the same number of gets).
 */
export async function consumerJobs(
  get: (stream: string) => MessageGetter,
  consumers: ConsumerRef[],
  state: 'waiting' | 'active',
  limit: number,
  payloadLimit: number,
  search: string | undefined,
  notice: (n: Notice) => void
): Promise<ConsumerJobs> {
  const rows: JobRow[] = [];
  const budget = limit + GET_SLACK;
  let gets = 0;
  let consumersRead = 0;
  const skipped: string[] = [];
  for (const q of consumers) {
    const ci = q.consumer;
    const expected = state === 'waiting' ? ci.num_pending : ci.num_ack_pending;
    if (!expected) {
      continue; // the consumer says there is nothing: no get
    }
    const room = search ? budget - gets : limit - rows.length;
    if (rows.length >= limit || budget - gets <= 0 || room <= 0) {
      skipped.push(q.label);
      continue;
    }
    const first = q.stream.state.first_seq || 1;
    const delivered = ci.delivered?.stream_seq ?? 0;
    const from = Math.max(first, (state === 'waiting' ? delivered : (ci.ack_floor?.stream_seq ?? 0)) + 1);
    const to = state === 'waiting' ? Number.MAX_SAFE_INTEGER : delivered;
    // Waiting: the consumer's count bounds the read. Active: read candidates up to the room left.
    const want = state === 'waiting' ? Math.min(room, expected) : room;
    const walk = await walkConsumer(get(q.stream.config.name), ci, from, to, want, budget - gets);
    gets += walk.gets;
    consumersRead++;
    const found = walk.messages
      .map((m) => messageRow(q.label, m, state, payloadLimit))
      .filter((r) => matchesSearch(r, search));
    rows.push(...found.slice(0, limit - rows.length));
    const range =
      state === 'waiting'
        ? `after seq ${delivered}`
        : `between the ack floor (seq ${from - 1}) and the last delivered (seq ${delivered})`;
    if (state === 'waiting' && walk.complete && walk.messages.length < expected) {
      notice({
        severity: 'info',
        text: `${q.label}: ${walk.messages.length} stored message(s) match ${range} while the consumer counts ${expected} pending (the stream changed while reading)`,
      });
    }
    if (state === 'active' && (!walk.complete || walk.messages.length !== expected)) {
      notice({
        severity: 'info',
        text:
          `${q.label}: ${expected} message(s) await an ack; ${walk.complete ? `all ${walk.messages.length}` : `the oldest ${walk.messages.length}`} stored message(s) ${range} are listed. ` +
          'JetStream does not expose which of these were already acknowledged out of order (or given up on after max_deliver or a term), so some listed ones may be done',
      });
    }
  }
  if (skipped.length > 0) {
    notice({
      severity: 'info',
      text: `stopped at the query's limit (${limit} messages); not read: ${skipped.slice(0, 5).join(', ')}${skipped.length > 5 ? ` and ${skipped.length - 5} more` : ''}`,
    });
  }
  if (search && gets >= budget) {
    notice({ severity: 'info', text: `searched the oldest ${gets} messages only (bounded by the query's limit)` });
  }
  if (state === 'active' && rows.length > 0) {
    notice({
      severity: 'info',
      text: "per-message delivery counts are not exposed without a delivery (attempts left empty); the overview's retries is the consumer's redelivered total",
    });
  }
  return { rows, gets, consumersRead };
}
