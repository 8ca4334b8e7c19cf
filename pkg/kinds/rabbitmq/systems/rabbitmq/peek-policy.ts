/**
 * Who may peek which queue. A management-API peek is a basic.get and a requeue: harmless
 * on a plain classic queue (the message is marked redelivered, may move, nothing else),
 * but it can change a message's fate where the broker counts deliveries or bounds length:
 *
 * - quorum queues count each requeue in x-delivery-count; past the delivery-limit
 *   (x-delivery-limit argument or delivery-limit policy) the broker drops or dead-letters
 *   the message on its return. RabbitMQ shows a message's count only by delivering it, so
 *   the source remembers the highest count its own last peek left (`ledger`): a lower
 *   bound, since other consumers' requeues raise it too. Without a limit nothing is dropped
 *   now, but the raised counts count toward a limit a policy sets later.
 * - a length limit (max-length, max-length-bytes) with overflow drop-head, the default:
 *   messages published while a peek holds some push the requeued ones off the head.
 *
 * Such peeks need an Editor or Admin; where the next delivery would drop or dead-letter a
 * message (the delivery-limit reached, or the queue full), nobody peeks. Alert evaluations
 * and requests without a user never peek. Streams are read by a consumer, never peeked.
 */
import { forbidden, JobscopeError } from '../../../../errors/errors';
import type { Requester } from '../../../../source/queue-source';
import type { QueueInfo } from './topology';
import { deliveryLimit } from './dlq';

export type PeekRisk =
  | { kind: 'safe' }
  /** The peek may change a message's fate: Editor or Admin only. */
  | { kind: 'fate'; why: string }
  /** The next delivery would drop or dead-letter a message: nobody peeks. */
  | { kind: 'refused'; why: string };

const EDITORS = new Set(['admin', 'editor']);

/** The lower of an argument and a policy key, as RabbitMQ applies them. */
function lowest(info: QueueInfo, arg: string, key: string): number | undefined {
  const policy = Array.isArray(info.effective_policy_definition) ? undefined : info.effective_policy_definition;
  const values = [info.arguments?.[arg], policy?.[key]].filter((v): v is number => typeof v === 'number');
  return values.length ? Math.min(...values) : undefined;
}

function overflow(info: QueueInfo): string {
  const policy = Array.isArray(info.effective_policy_definition) ? undefined : info.effective_policy_definition;
  const v = info.arguments?.['x-overflow'] ?? policy?.overflow;
  return typeof v === 'string' ? v : 'drop-head';
}

/**
 * What a peek of `info` risks. `ledger`: the highest x-delivery-count this source's last
 * peek of the queue left, if it peeked it.
 */
export function peekRisk(info: QueueInfo, label: string, ledger: number | undefined): PeekRisk {
  const reasons: string[] = [];
  const maxLength = lowest(info, 'x-max-length', 'max-length');
  const maxBytes = lowest(info, 'x-max-length-bytes', 'max-length-bytes');
  if ((maxLength !== undefined || maxBytes !== undefined) && overflow(info) === 'drop-head') {
    const full =
      (maxLength !== undefined && (info.messages ?? 0) >= maxLength) ||
      (maxBytes !== undefined && info.message_bytes !== undefined && info.message_bytes >= maxBytes);
    const limit = [
      maxLength !== undefined ? `max-length ${maxLength}` : '',
      maxBytes !== undefined ? `max-length-bytes ${maxBytes}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    if (full) {
      return {
        kind: 'refused',
        why: `${label} is full (${limit}, overflow drop-head): a message published while the peek holds messages would drop or dead-letter a requeued one`,
      };
    }
    reasons.push(
      `${label} has ${limit} with overflow drop-head: messages published during a peek can push requeued ones off the head`
    );
  }
  if (info.type === 'quorum') {
    const dl = deliveryLimit(info.arguments, info.effective_policy_definition);
    const after = (ledger ?? 0) + 1; // x-delivery-count once this peek requeues
    if (dl && after > dl.limit) {
      return {
        kind: 'refused',
        why:
          `${label} is a quorum queue with delivery-limit ${dl.limit} and its messages have been delivered ${ledger ?? 0} time(s) ` +
          `(x-delivery-count seen by the last peek): the next delivery makes the broker drop or dead-letter them; ` +
          'move them to another queue (e.g. a shovel) to browse them again',
      };
    }
    reasons.push(
      dl
        ? `${label} is a quorum queue with delivery-limit ${dl.limit}: each peek raises x-delivery-count toward it`
        : `${label} is a quorum queue: each peek raises x-delivery-count, which counts toward any delivery-limit set later`
    );
  }
  return reasons.length ? { kind: 'fate', why: reasons.join('; ') } : { kind: 'safe' };
}

/** The refusal for `requester` peeking queues of these risks, or undefined when allowed. */
export function peekRefusal(requester: Requester | undefined, risks: PeekRisk[]): JobscopeError | undefined {
  if (risks.length === 0) {
    return undefined;
  }
  if (!requester || requester.alert) {
    return forbidden(
      'RabbitMQ: alert evaluations and requests without a Grafana user never peek messages (a peek takes and requeues them); browse dead-letter queues from a dashboard'
    );
  }
  const refused = risks.filter((r): r is Extract<PeekRisk, { kind: 'refused' }> => r.kind === 'refused');
  if (refused.length > 0) {
    return forbidden(`RabbitMQ: peek refused for every role: ${refused.map((r) => r.why).join('; ')}`);
  }
  const fate = risks.filter((r): r is Extract<PeekRisk, { kind: 'fate' }> => r.kind === 'fate');
  if (fate.length > 0 && !EDITORS.has((requester.role ?? '').toLowerCase())) {
    return forbidden(
      `RabbitMQ: peeking here can change what happens to messages, so it needs the Editor or Admin role (you are ${requester.role || 'without a role'}): ` +
        fate.map((r) => r.why).join('; ')
    );
  }
  return undefined;
}
