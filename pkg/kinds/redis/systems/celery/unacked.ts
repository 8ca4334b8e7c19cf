/**
 * Messages delivered to a worker and not yet acknowledged (kombu's Redis QoS, "ack
 * emulation"): prefetched, held until their ETA, or running with acks_late. Read in
 * three bounded rounds, oldest delivery first:
 *   1. ZCARD unacked_index, ZCOUNT unacked_index -inf <now - visibility timeout>,
 *      ZRANGE unacked_index 0 UNACKED_SAMPLE-1 WITHSCORES (O(log n + sample))
 *   2. HSTRLEN unacked <tag> per sampled tag (O(1) each)
 *   3. HGET unacked <tag> for entries under MAX_READ_BYTES, so a 10 MB message is
 *      reported by size instead of being pulled through Redis.
 * An entry older than the visibility timeout is what kombu's restore_visible() puts back
 * on its queue on the next sweep (its worker died, or it held an ETA task too long).
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, numberOf, scoredMembers, value } from '../../job-system';
import { tryJSON } from '../../../../reading/payload';
import { Binding, queuesFor, UNACKED, UNACKED_INDEX } from './keys';
import { CeleryMessage, parseMessage } from './message';

export const UNACKED_SAMPLE = 1000;
export const MAX_READ_BYTES = 1024 * 1024;

export interface UnackedEntry {
  tag: string;
  /** When kombu delivered it to a worker, epoch ms. */
  deliveredAt: number;
  bytes: number;
  /** Undefined when the entry was too large to read or is not a kombu entry. */
  message?: CeleryMessage;
  queues: string[];
}

export interface UnackedRead {
  total: number;
  /** Entries past the visibility timeout, counted exactly by ZCOUNT (all queues). */
  stalledTotal: number;
  entries: UnackedEntry[];
  /** Entries seen but not attributable to a queue (too large or unreadable). */
  unreadable: number;
}

export async function readUnacked(
  ctx: ReadContext,
  bindings: Binding[],
  visibilityTimeoutS: number,
  sample = UNACKED_SAMPLE
): Promise<UnackedRead> {
  const first = ctx.client.pipeline();
  first.zcard(UNACKED_INDEX);
  first.zcount(UNACKED_INDEX, '-inf', String(ctx.now / 1000 - visibilityTimeoutS));
  first.zrange(UNACKED_INDEX, '0', String(sample - 1), 'WITHSCORES');
  const [card, stalled, range] = await execPipeline(first);
  for (const r of [card, stalled, range]) {
    if (r?.[0]) {
      ctx.notice('warning', `unacked_index: ${r[0].message}`);
    }
  }
  const tags = scoredMembers(range).map(([tag, score]) => ({ tag, deliveredAt: score * 1000 }));
  const result: UnackedRead = {
    total: numberOf(card) ?? 0,
    stalledTotal: numberOf(stalled) ?? 0,
    entries: [],
    unreadable: 0,
  };
  if (tags.length === 0) {
    return result;
  }
  if (result.total > tags.length) {
    ctx.notice('info', `unacknowledged messages: read the ${tags.length} oldest of ${result.total}`);
  }
  const sizes = ctx.client.pipeline();
  tags.forEach((t) => sizes.hstrlen(UNACKED, t.tag));
  const lengths = (await execPipeline(sizes)).map((r) => numberOf(r) ?? 0);

  const bodies = ctx.client.pipeline();
  const wanted: number[] = [];
  lengths.forEach((bytes, i) => {
    if (bytes > 0 && bytes <= MAX_READ_BYTES) {
      bodies.hget(UNACKED, tags[i].tag);
      wanted.push(i);
    }
  });
  const texts = new Map<number, string | undefined>();
  if (wanted.length > 0) {
    (await execPipeline(bodies)).forEach((r, j) => texts.set(wanted[j], value<string>(r) ?? undefined));
  }
  tags.forEach((t, i) => {
    const bytes = lengths[i];
    if (bytes === 0) {
      return; // acknowledged between the two reads
    }
    const entry = tryJSON(texts.get(i));
    const message = Array.isArray(entry) ? parseMessage(entry[0], ctx.payloadLimit) : undefined;
    if (!message) {
      result.unreadable++;
      return;
    }
    const exchange = typeof entry[1] === 'string' ? entry[1] : (message.exchange ?? '');
    const routingKey = typeof entry[2] === 'string' ? entry[2] : (message.routingKey ?? '');
    result.entries.push({
      tag: t.tag,
      deliveredAt: t.deliveredAt,
      bytes,
      message,
      queues: queuesFor(bindings, exchange, routingKey),
    });
  });
  if (result.unreadable > 0) {
    ctx.notice(
      'warning',
      `${result.unreadable} unacknowledged message(s) over ${MAX_READ_BYTES} bytes or not kombu entries: not attributed to a queue`
    );
  }
  return result;
}

/** True when the message waits for a future ETA (countdown or retry backoff). */
export function isDelayed(m: CeleryMessage | undefined, now: number): boolean {
  return m?.eta !== undefined && m.eta > now;
}
