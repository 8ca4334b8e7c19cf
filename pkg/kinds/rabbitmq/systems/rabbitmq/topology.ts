/**
 * Dead-letter topology: which queue dead-letters into which, and what each queue is in it.
 * A queue's dead-letter
 * exchange and routing key come from its arguments (x-dead-letter-exchange,
 * x-dead-letter-routing-key), which win, else from its effective policy (dead-letter-exchange,
 * dead-letter-routing-key). The exchange's bindings (direct, fanout, topic; headers
 * exchanges are not evaluated and count as "may route") say which queues receive them.
 * Pure: it works on what the management API listed (queues, bindings, exchanges).
 *
 * Roles (queueRoles): queues that dead-letter into each other in a cycle are a retry loop —
 * `work → work.retry (message TTL, dead-letters back to work)` is RabbitMQ's usual
 * retry-with-delay. In a loop the queues with a message TTL are delay queues (their messages
 * are retries waiting to go back); without any TTL in the loop (per-message expiration), the
 * members nobody consumes are. The other members are sources: their messages are ordinary
 * work. A dead-letter target outside any loop is a terminal dead-letter queue: whatever
 * arrives there stays until someone acts (it may dead-letter on to a parking lot, itself
 * terminal). A queue nothing dead-letters into whose name says it is one (`.dlq`, `-dlq`,
 * `.parking`, `.parking-lot`, `.dead`, `_error`, …: the queues workers republish their
 * final failures to, as Spring AMQP's RepublishMessageRecoverer or MassTransit do) and that
 * is no part of a loop is a terminal dead-letter queue by name.
 */
import { deliveryLimit } from './dlq';

export interface QueueInfo {
  vhost: string;
  name: string;
  type?: string;
  arguments?: Record<string, unknown>;
  effective_policy_definition?: Record<string, unknown> | [];
  messages?: number;
  messages_ready?: number;
  messages_unacknowledged?: number;
  /** Bytes of all messages (checked against max-length-bytes before a peek). */
  message_bytes?: number;
  consumers?: number;
  /** 0–1, absent or null while the queue has no consumers. */
  consumer_utilisation?: number | null;
  head_message_timestamp?: number | null;
  message_stats?: Record<string, any>;
}

export interface BindingInfo {
  vhost: string;
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
}

export interface ExchangeInfo {
  vhost: string;
  name: string;
  type: string;
}

export interface TopologyEdge {
  from: string;
  to: string;
  vhost: string;
  /** The dead-letter exchange ("" is the default exchange). */
  exchange: string;
  /** The dead-letter routing key; absent means the message's own routing key is kept. */
  routingKey?: string;
  /** Where the dead-letter setting came from. */
  via: 'arguments' | 'policy';
  /** True when the route depends on the original routing key or a headers exchange. */
  uncertain?: boolean;
}

export interface TopologyNode {
  id: string;
  vhost: string;
  name: string;
  type?: string;
  messages?: number;
  /** Quorum queues: the delivery-limit in force (argument or policy, the lower of both). */
  deliveryLimit?: number;
  /** Some queue dead-letters into this one. */
  deadLetterTarget: boolean;
  /** What the queue is in the dead-letter topology; absent: no part of it. */
  role?: QueueRole;
  /** `name`: a terminal dead-letter queue recognised by its name only (nothing dead-letters into it). */
  by?: 'name';
  /** Retry loops: the queues of the same loop. */
  loop?: string[];
}

/**
 * `dead-letter`: a terminal dead-letter queue (holds `dead`); `retry-delay`: a delay queue
 * of a retry loop (holds `retries`); `retry-source`: the worked queue of a retry loop
 * (neither); `source`: dead-letters into a terminal queue (neither).
 */
export type QueueRole = 'dead-letter' | 'retry-delay' | 'retry-source' | 'source';

export interface Topology {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
}

export interface DeadLetterSetting {
  exchange: string;
  routingKey?: string;
  via: 'arguments' | 'policy';
}

export function deadLetterSetting(q: QueueInfo): DeadLetterSetting | undefined {
  const args = q.arguments ?? {};
  const policy = Array.isArray(q.effective_policy_definition) ? {} : (q.effective_policy_definition ?? {});
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (str(args['x-dead-letter-exchange']) !== undefined) {
    return {
      exchange: str(args['x-dead-letter-exchange'])!,
      routingKey: str(args['x-dead-letter-routing-key']),
      via: 'arguments',
    };
  }
  if (str(policy['dead-letter-exchange']) !== undefined) {
    return {
      exchange: str(policy['dead-letter-exchange'])!,
      routingKey: str(args['x-dead-letter-routing-key']) ?? str(policy['dead-letter-routing-key']),
      via: 'policy',
    };
  }
  return undefined;
}

/** AMQP topic matching: `*` is one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const p = pattern.split('.');
  const k = key.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === p.length) {
      return j === k.length;
    }
    if (p[i] === '#') {
      for (let n = j; n <= k.length; n++) {
        if (match(i + 1, n)) {
          return true;
        }
      }
      return false;
    }
    return j < k.length && (p[i] === '*' || p[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}

/**
 * Queues an exchange routes `routingKey` to (undefined key: any key), following
 * exchange-to-exchange bindings a few hops deep.
 */
function routeTargets(
  vhost: string,
  exchange: string,
  routingKey: string | undefined,
  bindings: BindingInfo[],
  types: Map<string, string>,
  depth = 0,
  seen = new Set<string>()
): { queues: Set<string>; uncertain: boolean } {
  const out = { queues: new Set<string>(), uncertain: routingKey === undefined };
  if (depth > 4 || seen.has(exchange)) {
    return out;
  }
  seen.add(exchange);
  const type = types.get(JSON.stringify([vhost, exchange])) ?? 'direct';
  for (const b of bindings) {
    if (b.vhost !== vhost || b.source !== exchange) {
      continue;
    }
    let routes: boolean;
    if (routingKey === undefined || type === 'fanout') {
      routes = true;
    } else if (type === 'topic') {
      routes = topicMatches(b.routing_key, routingKey);
    } else if (type === 'headers' || type.startsWith('x-')) {
      routes = true;
      out.uncertain = true;
    } else {
      routes = b.routing_key === routingKey;
    }
    if (!routes) {
      continue;
    }
    if (b.destination_type === 'queue') {
      out.queues.add(b.destination);
    } else {
      const next = routeTargets(vhost, b.destination, routingKey, bindings, types, depth + 1, seen);
      next.queues.forEach((q) => out.queues.add(q));
      out.uncertain ||= next.uncertain;
    }
  }
  return out;
}

/** `label(vhost, name)` is the queue's id as shown in Grafana. */
export function deadLetterTopology(
  queues: QueueInfo[],
  bindings: BindingInfo[],
  exchanges: ExchangeInfo[],
  label: (vhost: string, name: string) => string
): Topology {
  const types = new Map(exchanges.map((e) => [JSON.stringify([e.vhost, e.name]), e.type]));
  const known = new Set(queues.map((q) => JSON.stringify([q.vhost, q.name])));
  const edges: TopologyEdge[] = [];
  for (const q of queues) {
    const dl = deadLetterSetting(q);
    if (!dl) {
      continue;
    }
    let targets: Set<string>;
    let uncertain = false;
    if (dl.exchange === '') {
      // The default exchange routes a key to the queue of that name; without a key the
      // message keeps its original key, which is usually this queue's own name (a loop).
      targets = new Set(dl.routingKey !== undefined ? [dl.routingKey] : []);
    } else {
      ({ queues: targets, uncertain } = routeTargets(q.vhost, dl.exchange, dl.routingKey, bindings, types));
    }
    for (const t of targets) {
      if (known.has(JSON.stringify([q.vhost, t])) && t !== q.name) {
        edges.push({
          from: label(q.vhost, q.name),
          to: label(q.vhost, t),
          vhost: q.vhost,
          exchange: dl.exchange,
          ...(dl.routingKey !== undefined ? { routingKey: dl.routingKey } : {}),
          via: dl.via,
          ...(uncertain ? { uncertain } : {}),
        });
      }
    }
  }
  const targetIds = new Set(edges.map((e) => e.to));
  const roles = queueRoles(
    queues.map((q) => ({ ...q, id: label(q.vhost, q.name) })),
    edges
  );
  const nodes = queues.map((q) => ({
    id: label(q.vhost, q.name),
    vhost: q.vhost,
    name: q.name,
    type: q.type,
    messages: q.messages,
    ...(q.type === 'quorum' && deliveryLimit(q.arguments, q.effective_policy_definition)
      ? { deliveryLimit: deliveryLimit(q.arguments, q.effective_policy_definition)!.limit }
      : {}),
    deadLetterTarget: targetIds.has(label(q.vhost, q.name)),
    ...roles.get(label(q.vhost, q.name)),
  }));
  return { nodes, edges };
}

/** A queue TTL (x-message-ttl argument or message-ttl policy): messages expire, i.e. leave by dead-lettering. */
export function messageTtl(q: QueueInfo): number | undefined {
  const policy = Array.isArray(q.effective_policy_definition) ? {} : (q.effective_policy_definition ?? {});
  const v = q.arguments?.['x-message-ttl'] ?? policy['message-ttl'];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Strongly connected components of the dead-letter graph with more than one queue (loops). */
function loops(edges: TopologyEdge[]): string[][] {
  const out = new Map<string, string[]>();
  const into = new Map<string, string[]>();
  for (const e of edges) {
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
    into.set(e.to, [...(into.get(e.to) ?? []), e.from]);
  }
  const reach = (start: string, next: Map<string, string[]>): Set<string> => {
    const seen = new Set([start]);
    const stack = [start];
    while (stack.length) {
      for (const n of next.get(stack.pop()!) ?? []) {
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      }
    }
    return seen;
  };
  const done = new Set<string>();
  const components: string[][] = [];
  for (const id of new Set([...out.keys()].filter((k) => into.has(k)))) {
    if (done.has(id)) {
      continue;
    }
    const back = reach(id, into);
    const component = [...reach(id, out)].filter((n) => back.has(n)).sort();
    component.forEach((n) => done.add(n));
    if (component.length > 1) {
      components.push(component);
    }
  }
  return components;
}

/** Names of queues that hold final failures by convention (a suffix after `.`, `-` or `_`). */
const DEAD_LETTER_NAME = /[._-](dlq|dlt|dead|dead[._-]?letters?|deadletters?|parking|parking[._-]?lot|parked|error)$/i;

export const isDeadLetterName = (name: string) => DEAD_LETTER_NAME.test(name);

export function queueRoles(
  queues: Array<QueueInfo & { id: string }>,
  edges: TopologyEdge[]
): Map<string, { role: QueueRole; loop?: string[]; by?: 'name' }> {
  const byId = new Map(queues.map((q) => [q.id, q]));
  const roles = new Map<string, { role: QueueRole; loop?: string[]; by?: 'name' }>();
  for (const loop of loops(edges)) {
    const members = loop.map((id) => byId.get(id)).filter((q): q is QueueInfo & { id: string } => q !== undefined);
    const withTtl = members.filter((q) => messageTtl(q) !== undefined);
    const delays = withTtl.length > 0 ? withTtl : members.filter((q) => !q.consumers);
    for (const q of members) {
      roles.set(q.id, { role: delays.includes(q) ? 'retry-delay' : 'retry-source', loop });
    }
  }
  for (const e of edges) {
    if (!roles.has(e.to)) {
      roles.set(e.to, { role: 'dead-letter' });
    }
  }
  for (const e of edges) {
    if (!roles.has(e.from)) {
      roles.set(e.from, { role: 'source' });
    }
  }
  for (const q of queues) {
    if (!roles.has(q.id) && isDeadLetterName(q.name)) {
      roles.set(q.id, { role: 'dead-letter', by: 'name' });
    }
  }
  return roles;
}
