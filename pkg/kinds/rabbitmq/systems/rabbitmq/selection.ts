/**
 * From the session's queue listing to the queues a read covers, and the dead-letter
 * topology over every queue listed (roles need the whole picture, not just the selection).
 */
import type { RabbitContext } from '../../context';
import { deadLetterSetting, deadLetterTopology, QueueInfo, Topology } from './topology';

export type Selected = { info: QueueInfo; label: string };

/** The listed queues among `queues` (labels the generic source chose), in listing order. */
export function selectListed(ctx: RabbitContext, all: QueueInfo[], queues: string[]): Selected[] {
  const wanted = new Set(queues);
  return all.map((info) => ({ info, label: ctx.label(info.vhost, info.name) })).filter((q) => wanted.has(q.label));
}

/** The dead-letter topology over every queue listed. */
export async function topologyOf(ctx: RabbitContext, all: QueueInfo[]): Promise<Topology> {
  // Bindings only matter when some queue dead-letters through a named exchange.
  const needsRouting = all.some((q) => {
    const dl = deadLetterSetting(q);
    return dl !== undefined && dl.exchange !== '';
  });
  const { bindings, exchanges } = needsRouting ? await ctx.routing() : { bindings: [], exchanges: [] };
  return deadLetterTopology(all, bindings, exchanges, ctx.label);
}
