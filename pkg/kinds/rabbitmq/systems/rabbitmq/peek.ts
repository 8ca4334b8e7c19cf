/**
 * Browsing messages for jobs and failures queries: `dead` and `failed` read the terminal
 * dead-letter queues among those selected, `retry` the delay queues of retry loops (or, for
 * both, the queues named literally); `waiting` reads the selected queues' heads. Streams are
 * read by a consumer (no side effect); other queues by a peek (get + requeue), only when
 * allowPeek is set and the requester's role allows what the peek risks (peek-policy.ts).
 */
import type { JobRow } from '../../../../reading/rows';
import type { RabbitContext } from '../../context';
import { vhostPath } from '../../management';
import { deliveryLimit, messageRow, PEEK_DISABLED_NOTICE, PeekedMessage, peekRequest, quorumPeekNotice } from './dlq';
import { amqpUrlFor, readStreams, StreamTarget } from './stream';
import { peekRefusal, peekRisk } from './peek-policy';
import { QUEUE_COLUMNS } from './overview';
import type { QueueInfo } from './topology';
import { selectListed, topologyOf } from './selection';

export type Peeked = { row: JobRow; message: PeekedMessage };

/** x-delivery-count of a peeked quorum-queue message (absent before its first requeue). */
const deliveryCount = (m: PeekedMessage) => Number(m.properties?.headers?.['x-delivery-count'] ?? 0) || 0;
const ledgerKey = (info: QueueInfo) => `${info.vhost}\n${info.name}`;

export class Peeks {
  /**
   * A peek takes messages off the queue until it requeues them: two peeks of one queue at
   * the same time (a dashboard's jobs and failures panels) would each see only part of
   * it. Peeks of the same queue therefore wait for each other.
   */
  private readonly running = new Map<string, Promise<unknown>>();

  /**
   * Per quorum queue (vhost/name), the highest x-delivery-count its messages had once this
   * data source's last peek requeued them: what tells the next peek whether it would drop them.
   */
  private readonly deliveryCounts = new Map<string, number>();

  private onePeekAtATime<T>(queue: string, peek: () => Promise<T>): Promise<T> {
    const previous = this.running.get(queue) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(peek);
    this.running.set(queue, next);
    void next
      .finally(() => {
        if (this.running.get(queue) === next) {
          this.running.delete(queue);
        }
      })
      .catch(() => undefined);
    return next;
  }

  /** Messages of `queues` in `state`, peeked and requeued (or read from streams). */
  async read(ctx: RabbitContext, queues: string[], state: string): Promise<Peeked[]> {
    if (!['dead', 'failed', 'retry', 'waiting'].includes(state)) {
      ctx.notice(
        'info',
        `RabbitMQ has no "${state}" messages to list: only dead (terminal dead-letter queues), retry (delay queues of retry loops) and waiting (queued) messages can be browsed`
      );
      return [];
    }
    const s = ctx.settings;
    const limit = ctx.limit;
    const { items: all } = await ctx.queues(QUEUE_COLUMNS);
    let selected = selectListed(ctx, all, queues);
    if (state !== 'waiting') {
      // dead/failed: terminal dead-letter queues; retry: the delay queues of retry loops.
      const role = state === 'retry' ? 'retry-delay' : 'dead-letter';
      const holding = new Set((await topologyOf(ctx, all)).nodes.filter((n) => n.role === role).map((n) => n.id));
      const named = new Set(ctx.named ?? []);
      selected = selected.filter((q) => holding.has(q.label) || named.has(q.label));
      if (selected.length === 0) {
        ctx.notice(
          'info',
          state === 'retry'
            ? 'no delay queue of a retry loop among the selected queues; name a queue to browse it anyway'
            : 'no terminal dead-letter queue among the selected queues (no queue dead-letters into them outside a retry loop, and no name says so); name a queue to browse it anyway'
        );
      }
    }
    const streams = selected.filter((q) => q.info.type === 'stream');
    let peekable = selected.filter((q) => q.info.type !== 'stream');
    if (!s.allowPeek && peekable.some((q) => (q.info.messages ?? 0) > 0)) {
      ctx.notice('warning', PEEK_DISABLED_NOTICE);
    }
    if (!s.allowPeek) {
      peekable = [];
    }
    // Emptied (consumed, purged, shovelled away): the counted messages are gone.
    selected.filter((q) => q.info.messages === 0).forEach((q) => this.deliveryCounts.delete(ledgerKey(q.info)));
    const refusal = peekRefusal(
      ctx.requester,
      peekable
        .filter((q) => (q.info.messages ?? 0) > 0)
        .map((q) => peekRisk(q.info, q.label, this.deliveryCounts.get(ledgerKey(q.info))))
    );
    if (refusal) {
      throw refusal;
    }
    const out: Peeked[] = [];
    const stopped = () =>
      ctx.notice('info', `stopped after ${limit} messages (the query's limit); later queues were not read`);
    const withMessages = streams.filter((q) => (q.info.messages ?? 0) > 0);
    if (withMessages.length > 0) {
      // Each stream gets what is left of the limit, in listing order.
      const budget: StreamTarget[] = [];
      let left = limit;
      for (const q of withMessages) {
        if (left <= 0) {
          stopped();
          break;
        }
        const n = Math.min(left, q.info.messages!);
        budget.push({ vhost: q.info.vhost, name: q.info.name, messages: q.info.messages!, limit: n });
        left -= n;
      }
      const read = await readStreams(s, budget);
      for (const q of withMessages) {
        (read.get(q.info.name) ?? []).forEach((m, i) =>
          out.push({
            row: messageRow(
              m,
              q.label,
              state,
              i,
              s.payloadLimit,
              m.offset !== undefined ? `offset ${m.offset}` : undefined
            ),
            message: m,
          })
        );
      }
      const derived = !s.amqpUrl
        ? ` on ${amqpUrlFor(s, withMessages[0].info.vhost).url.replace(/\/[^/]*$/, '')} (the management host; set the AMQP URL if AMQP listens elsewhere)`
        : '';
      ctx.notice(
        'info',
        `stream queue(s) ${withMessages.map((q) => q.label).join(', ')}: the newest messages were read by an AMQP stream consumer${derived}; streams keep their messages, so reading changes nothing (needs read permission only, not allow peek)`
      );
    }
    for (const q of peekable) {
      if (out.length >= limit) {
        stopped();
        break;
      }
      if (!q.info.messages) {
        continue;
      }
      const path = `queues/${vhostPath(q.info.vhost)}/${encodeURIComponent(q.info.name)}/get`;
      // Decided again inside the queue's turn: a peek that waited for another sees the counts it left.
      const messages = await this.onePeekAtATime(path, async () => {
        const late = peekRefusal(ctx.requester, [
          peekRisk(q.info, q.label, this.deliveryCounts.get(ledgerKey(q.info))),
        ]);
        if (late) {
          throw late;
        }
        const got = await ctx.api!.post<PeekedMessage[]>(path, peekRequest(limit - out.length, s.payloadLimit));
        if (q.info.type === 'quorum' && got.length > 0) {
          this.deliveryCounts.set(ledgerKey(q.info), Math.max(...got.map(deliveryCount)) + 1);
        }
        return got;
      });
      messages.forEach((m, i) => out.push({ row: messageRow(m, q.label, state, i, s.payloadLimit), message: m }));
      if (q.info.type === 'quorum' && messages.length > 0) {
        const counts = messages.map(deliveryCount);
        const dl = deliveryLimit(q.info.arguments, q.info.effective_policy_definition);
        ctx.notice('warning', quorumPeekNotice(q.label, dl?.limit, counts));
        const dropped = dl ? counts.filter((c) => c + 1 > dl.limit).length : 0;
        if (dropped > 0) {
          // Requeued by other consumers up to the limit before this peek saw them.
          ctx.notice(
            'error',
            `${q.label}: ${dropped} message(s) had already been delivered ${dl!.limit} time(s) by other consumers; this peek's requeue passed the delivery-limit and the broker dropped or dead-lettered them`
          );
        }
      }
    }
    if (out.length > 0 && peekable.length > 0) {
      ctx.notice(
        'info',
        'messages were peeked and requeued (marked redelivered; on quorum queues each peek raises x-delivery-count and counts toward the delivery-limit)'
      );
    }
    return out;
  }
}
