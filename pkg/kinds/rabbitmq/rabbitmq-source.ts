/**
 * The `rabbitmq` data source kind. With the management API (the normal case) a refresh is
 * a fixed number of HTTP calls whatever the number of queues: one paged /api/queues listing
 * (page_size 500, only the columns needed) plus, for the dead-letter topology, /api/bindings and
 * /api/exchanges (cached 30 s). Without it, named queues are read by AMQP passive declares.
 *
 * Queue labels: the plain queue name when the data source is limited to one vhost
 * (jsonData.vhost), else "<url-encoded vhost>/<name>" ("%2F/orders" for the default vhost),
 * which is unique because an encoded vhost holds no "/".
 */
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { JobscopeQuery } from '../../model/query';
import { queueFilter } from '../../query/parse';
import type { Notice } from '../../reading/notice';
import { badRequest, notFound } from '../../errors/errors';
import type { HealthReport, QueryWindow, QueueRef, QueueSource, Requester } from '../../source/queue-source';
import type { ReadResult } from '../../reading/results';
import type { JobRow, QueueStats } from '../../reading/rows';
import { groupFailures, FailureSample } from '../../reading/failure-reasons';
import { rabbitSettings, RabbitSettings } from '../../kinds/rabbitmq/settings';
import { ManagementApi, pagedList, vhostPath } from './management';
import { BindingInfo, deadLetterSetting, deadLetterTopology, ExchangeInfo, QueueInfo, Topology } from './systems/rabbitmq/topology';
import { QUEUE_COLUMNS, queueKinds, queueValues, statsMissing, topologyNotice } from './systems/rabbitmq/overview';
import { queueSeries, rateParams } from './systems/rabbitmq/throughput';
import { consumerWorkers, ConnectionInfo, ConsumerInfo } from './systems/rabbitmq/workers';
import {
  deliveryLimit,
  failureSample,
  messageRow,
  PEEK_DISABLED_NOTICE,
  PeekedMessage,
  peekRequest,
  quorumPeekNotice,
} from './systems/rabbitmq/dlq';
import { amqpUrlFor, readStreams, StreamTarget } from './systems/rabbitmq/stream';
import { peekRefusal, peekRisk } from './systems/rabbitmq/peek-policy';
import { matchesSearch } from '../../reading/rows';
import { passiveCounts } from './amqp';
import { addNotice, emptyResult } from '../../reading/results';

const SYSTEM = 'rabbitmq';
/** x-delivery-count of a peeked quorum-queue message (absent before its first requeue). */
const deliveryCount = (m: PeekedMessage) => Number(m.properties?.headers?.['x-delivery-count'] ?? 0) || 0;
const DEFAULT_LIMIT = 100;
const ROUTING_TTL_MS = 30_000;
/** At most this many queues are listed (20 pages of 500). */
const MAX_QUEUES = 10_000;

type Selected = { info: QueueInfo; label: string };

export class RabbitSource implements QueueSource {
  private readonly s: RabbitSettings;
  private readonly api?: ManagementApi;
  private routing?: { at: number; result: Promise<{ bindings: BindingInfo[]; exchanges: ExchangeInfo[] }> };

  constructor(config: DatasourceConfig, _log: Logger) {
    this.s = rabbitSettings(config);
    if (this.s.managementUrl) {
      this.api = new ManagementApi({ ...this.s, managementUrl: this.s.managementUrl });
    }
  }

  label = (vhost: string, name: string): string => (this.s.vhost ? name : `${encodeURIComponent(vhost)}/${name}`);

  /** `queues` or `queues/<vhost>` etc., honouring the vhost setting. */
  private scoped(kind: string): string {
    return this.s.vhost ? `${kind}/${vhostPath(this.s.vhost)}` : kind;
  }

  private async listQueueInfo(
    columns: string,
    extra: Record<string, string | number> = {},
    notice?: (n: Notice) => void
  ): Promise<QueueInfo[]> {
    const { items, complete } = await pagedList<QueueInfo>(
      this.api!,
      this.scoped('queues'),
      { columns, ...extra },
      MAX_QUEUES
    );
    if (!complete) {
      notice?.({
        severity: 'warning',
        text: `more than ${MAX_QUEUES} queues: only the first ${MAX_QUEUES} (by name) were read; set a vhost or narrow the queues`,
      });
    }
    return items;
  }

  private routingTables(): Promise<{ bindings: BindingInfo[]; exchanges: ExchangeInfo[] }> {
    if (this.routing && Date.now() - this.routing.at < ROUTING_TTL_MS) {
      return this.routing.result;
    }
    const result = Promise.all([
      this.api!.get<BindingInfo[]>(this.scoped('bindings')),
      this.api!.get<ExchangeInfo[]>(this.scoped('exchanges'), { columns: 'name,vhost,type' }),
    ]).then(([bindings, exchanges]) => ({ bindings, exchanges }));
    this.routing = { at: Date.now(), result };
    result.catch(() => (this.routing = undefined));
    return result;
  }

  /** The dead-letter topology over every queue listed. */
  private async topologyOf(queues: QueueInfo[]): Promise<Topology> {
    // Bindings only matter when some queue dead-letters through a named exchange.
    const needsRouting = queues.some((q) => {
      const dl = deadLetterSetting(q);
      return dl !== undefined && dl.exchange !== '';
    });
    const { bindings, exchanges } = needsRouting ? await this.routingTables() : { bindings: [], exchanges: [] };
    return deadLetterTopology(queues, bindings, exchanges, this.label);
  }

  async topology(): Promise<Topology> {
    if (!this.api) {
      throw badRequest('the dead-letter topology needs the RabbitMQ management API: set the management URL');
    }
    return this.topologyOf(await this.listQueueInfo(QUEUE_COLUMNS));
  }

  /** Optional QueueSource extension: JSON resources for CallResource. */
  async resource(path: string): Promise<unknown> {
    if (path === 'topology') {
      return this.topology();
    }
    throw notFound(`no resource /${path} for RabbitMQ`);
  }

  /**
   * The listed queues a query covers. A literal name that is not there is a 404 when it
   * is all the query named, else a notice.
   */
  private select(queues: QueueInfo[], query: JobscopeQuery, notice: (n: Notice) => void): Selected[] {
    const wanted = queueFilter(query.queues);
    const selected = queues
      .map((info) => ({ info, label: this.label(info.vhost, info.name) }))
      .filter((q) => wanted(q.label));
    const literals = (query.queues ?? []).filter((q) => !/[*?]/.test(q));
    const missing = literals.filter((name) => !selected.some((q) => q.label === name));
    if (missing.length > 0) {
      const where = this.s.vhost
        ? `vhost "${this.s.vhost}"`
        : 'any vhost (name queues as <vhost>/<queue>, e.g. %2F/orders, or set the vhost)';
      const text = `queue ${missing.map((q) => `"${q}"`).join(', ')} not found in ${where}`;
      if (missing.length === (query.queues ?? []).length) {
        throw notFound(text);
      }
      notice({ severity: 'warning', text });
    }
    return selected;
  }

  async checkHealth(): Promise<HealthReport> {
    if (!this.api) {
      const { server } = await passiveCounts(this.amqpSettings(), []);
      return {
        server: `${server} over AMQP`,
        systems: {},
        notices: [
          'no management URL: only queues named in a query can be read (message and consumer counts); rates, consumers, topology and dead-letter browsing need the management API',
        ],
      };
    }
    const overview = await this.api.get<{ rabbitmq_version?: string; product_version?: string; cluster_name?: string }>(
      'overview',
      {
        columns: 'rabbitmq_version,product_version,cluster_name',
      }
    );
    const queues = await this.listQueueInfo('name,vhost');
    const version = overview.rabbitmq_version ?? overview.product_version ?? 'unknown version';
    const notices: string[] = [];
    if (!this.s.amqpUrl) {
      notices.push('no AMQP URL set: not needed while the management API answers');
    }
    return {
      server: `RabbitMQ ${version}${overview.cluster_name ? ` (cluster ${overview.cluster_name})` : ''}${this.s.vhost ? `, vhost "${this.s.vhost}"` : ''}`,
      systems: queues.length > 0 ? { [SYSTEM]: queues.length } : {},
      notices,
    };
  }

  async listQueues(): Promise<QueueRef[]> {
    if (!this.api) {
      return [];
    }
    const queues = await this.listQueueInfo('name,vhost');
    return queues.map((q) => ({ system: SYSTEM, queue: this.label(q.vhost, q.name) }));
  }

  private amqpSettings(): RabbitSettings & { amqpUrl: string } {
    if (!this.s.amqpUrl) {
      throw badRequest('RabbitMQ: no AMQP URL or management URL set');
    }
    return { ...this.s, amqpUrl: this.s.amqpUrl };
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    const notices: Notice[] = [];
    const notice = (n: Notice) => addNotice(notices, n);
    const type = query.queryType ?? 'overview';
    if (query.system && query.system !== SYSTEM) {
      notice({ severity: 'info', text: `system "${query.system}" is not served by a RabbitMQ data source` });
      return emptyResult(type, notices);
    }
    if (!this.api) {
      return this.readWithoutManagement(query, notice, notices);
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    switch (type) {
      case 'overview': {
        const all = await this.listQueueInfo(QUEUE_COLUMNS, {}, notice);
        const selected = this.select(all, query, notice);
        const wantsTopology = !query.metrics?.length || query.metrics.some((m) => m === 'dead' || m === 'retries');
        const nodes = wantsTopology ? (await this.topologyOf(all)).nodes : [];
        const roles = new Map(nodes.filter((n) => n.role).map((n) => [n.id, n.role!]));
        const stats: Array<QueueStats & { system: string }> = [];
        for (const q of selected) {
          if (statsMissing(q.info)) {
            notice({
              severity: 'info',
              text: `${q.label}: the broker has not collected statistics for this queue yet (new queue); retry in a few seconds`,
            });
            continue;
          }
          const values = queueValues(q.info, { nowMs: window.now, role: roles.get(q.label) });
          if (q.info.messages_ready && values.oldest_wait_seconds === undefined) {
            notice({
              severity: 'info',
              text: 'oldest_wait_seconds needs a timestamp on messages (set by the publisher or the rabbitmq_message_timestamp plugin); queues whose head message has none leave it out',
            });
          }
          stats.push({ system: SYSTEM, queue: q.label, values });
        }
        const kinds = queueKinds(selected.map((q) => ({ ...q.info, label: q.label })));
        if (kinds) {
          notice({ severity: 'info', text: kinds });
        }
        const shown = new Set(selected.map((q) => q.label));
        const roleLine = topologyNotice(nodes.filter((n) => shown.has(n.id)));
        if (roleLine) {
          notice({ severity: 'info', text: roleLine });
        }
        notice({
          severity: 'info',
          text: 'RabbitMQ keeps no completed/failed counts: wait = ready, active = unacknowledged, workers = consumers, dead = messages in terminal dead-letter queues, retries = messages in the delay queues of retry loops',
        });
        return {
          type: 'overview',
          stats,
          notices,
          executed: `GET /api/${this.scoped('queues')} (paged, 500 a page): ${selected.length} queue(s)`,
        };
      }
      case 'timeseries': {
        const params = rateParams(window.from, window.now, window.intervalMs);
        if (window.to < window.now - params.msg_rates_age * 1000) {
          notice({
            severity: 'info',
            text: 'RabbitMQ keeps message rates for about an hour only (its sample retention policy): nothing older is available',
          });
        }
        const all = await this.listQueueInfo('name,vhost,message_stats', params, notice);
        const selected = this.select(all, query, notice);
        const series = selected.flatMap((q) => queueSeries(q.info, q.label, window.from, window.to));
        notice({
          severity: 'info',
          text: `message counts per ${params.msg_rates_incr} s from the management API's rate samples (last ${params.msg_rates_age} s): completed = acks, plus published, delivered, redelivered`,
        });
        return {
          type: 'timeseries',
          series,
          notices,
          executed: `GET /api/${this.scoped('queues')} with msg_rates_age=${params.msg_rates_age}&msg_rates_incr=${params.msg_rates_incr}`,
        };
      }
      case 'workers': {
        const all = await this.listQueueInfo('name,vhost', {}, notice);
        const selected = new Set(this.select(all, query, notice).map((q) => q.label));
        const connectionsPath = this.s.vhost ? `vhosts/${vhostPath(this.s.vhost)}/connections` : 'connections';
        const [consumers, connections] = await Promise.all([
          this.api.get<ConsumerInfo[]>(this.scoped('consumers')),
          this.api.get<ConnectionInfo[]>(connectionsPath, { columns: 'name,user_provided_name,client_properties' }),
        ]);
        const rows = consumerWorkers(consumers, connections, this.label, (l) => selected.has(l)).slice(0, limit);
        return {
          type: 'workers',
          rows: rows.map((r) => ({ ...r, system: SYSTEM })),
          notices,
          executed: `GET /api/${this.scoped('consumers')}, /api/${connectionsPath}`,
        };
      }
      case 'jobs':
      case 'failures': {
        const state = query.state ?? (type === 'failures' ? 'dead' : 'failed');
        const peeked = await this.peek(query, state, limit, notice, window.requester);
        if (type === 'jobs') {
          const rows = peeked
            .map((p) => p.row)
            .filter((r) => matchesSearch(r, query.search))
            .slice(0, limit);
          return {
            type: 'jobs',
            rows: rows.map((r) => ({ ...r, system: SYSTEM })),
            notices,
            executed: `peek (ack_requeue_true; streams: AMQP consume from an offset) of ${new Set(peeked.map((p) => p.row.queue)).size} queue(s); ${state} messages`,
          };
        }
        const samples: FailureSample[] = peeked.map((p) => failureSample(p.message, p.row));
        return {
          type: 'failures',
          groups: groupFailures(samples, limit).map((g) => ({ ...g, system: SYSTEM })),
          notices,
          executed: `peek (ack_requeue_true; streams: AMQP consume from an offset) of dead-letter queues: ${samples.length} message(s) grouped`,
        };
      }
      default:
        throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
    }
  }

  /**
   * A peek takes messages off the queue until it requeues them: two peeks of one queue at
   * the same time (a dashboard's jobs and failures panels) would each see only part of
   * it. Peeks of the same queue therefore wait for each other.
   */
  private readonly peeks = new Map<string, Promise<unknown>>();

  /**
   * Per quorum queue (vhost/name), the highest x-delivery-count its messages had once this
   * source's last peek requeued them: what tells the next peek whether it would drop them.
   */
  private readonly deliveryCounts = new Map<string, number>();

  private onePeekAtATime<T>(queue: string, peek: () => Promise<T>): Promise<T> {
    const previous = this.peeks.get(queue) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(peek);
    this.peeks.set(queue, next);
    void next
      .finally(() => {
        if (this.peeks.get(queue) === next) {
          this.peeks.delete(queue);
        }
      })
      .catch(() => undefined);
    return next;
  }

  /**
   * Messages of the queues a jobs/failures query covers, peeked and requeued. `dead` and
   * `failed` read the terminal dead-letter queues among those selected, `retry` the delay
   * queues of retry loops (or, for both, the queues named literally); `waiting` reads the
   * selected queues' heads.
   */
  private async peek(
    query: JobscopeQuery,
    state: string,
    limit: number,
    notice: (n: Notice) => void,
    requester: Requester | undefined
  ): Promise<Array<{ row: JobRow; message: PeekedMessage }>> {
    if (!['dead', 'failed', 'retry', 'waiting'].includes(state)) {
      notice({
        severity: 'info',
        text: `RabbitMQ has no "${state}" messages to list: only dead (terminal dead-letter queues), retry (delay queues of retry loops) and waiting (queued) messages can be browsed`,
      });
      return [];
    }
    const all = await this.listQueueInfo(QUEUE_COLUMNS, {}, notice);
    let selected = this.select(all, query, notice);
    if (state !== 'waiting') {
      // dead/failed: terminal dead-letter queues; retry: the delay queues of retry loops.
      const role = state === 'retry' ? 'retry-delay' : 'dead-letter';
      const holding = new Set((await this.topologyOf(all)).nodes.filter((n) => n.role === role).map((n) => n.id));
      const named = new Set((query.queues ?? []).filter((q) => !/[*?]/.test(q)));
      selected = selected.filter((q) => holding.has(q.label) || named.has(q.label));
      if (selected.length === 0) {
        notice({
          severity: 'info',
          text:
            state === 'retry'
              ? 'no delay queue of a retry loop among the selected queues; name a queue to browse it anyway'
              : 'no terminal dead-letter queue among the selected queues (no queue dead-letters into them outside a retry loop, and no name says so); name a queue to browse it anyway',
        });
      }
    }
    // Streams are read by a consumer (no side effect, no allowPeek); other queues by a peek.
    const streams = selected.filter((q) => q.info.type === 'stream');
    let peekable = selected.filter((q) => q.info.type !== 'stream');
    if (!this.s.allowPeek && peekable.some((q) => (q.info.messages ?? 0) > 0)) {
      notice({ severity: 'warning', text: PEEK_DISABLED_NOTICE });
      peekable = [];
    } else if (!this.s.allowPeek) {
      peekable = [];
    }
    const ledgerKey = (info: QueueInfo) => `${info.vhost}\n${info.name}`;
    // Emptied (consumed, purged, shovelled away): the counted messages are gone.
    selected.filter((q) => q.info.messages === 0).forEach((q) => this.deliveryCounts.delete(ledgerKey(q.info)));
    const refusal = peekRefusal(
      requester,
      peekable
        .filter((q) => (q.info.messages ?? 0) > 0)
        .map((q) => peekRisk(q.info, q.label, this.deliveryCounts.get(ledgerKey(q.info))))
    );
    if (refusal) {
      throw refusal;
    }
    const out: Array<{ row: JobRow; message: PeekedMessage }> = [];
    const stopped = () =>
      notice({
        severity: 'info',
        text: `stopped after ${limit} messages (the query's limit); later queues were not read`,
      });
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
      const read = await readStreams(this.s, budget);
      for (const q of withMessages) {
        (read.get(q.info.name) ?? []).forEach((m, i) =>
          out.push({
            row: messageRow(
              m,
              q.label,
              state,
              i,
              this.s.payloadLimit,
              m.offset !== undefined ? `offset ${m.offset}` : undefined
            ),
            message: m,
          })
        );
      }
      const derived = !this.s.amqpUrl
        ? ` on ${amqpUrlFor(this.s, withMessages[0].info.vhost).url.replace(/\/[^/]*$/, '')} (the management host; set the AMQP URL if AMQP listens elsewhere)`
        : '';
      notice({
        severity: 'info',
        text: `stream queue(s) ${withMessages.map((q) => q.label).join(', ')}: the newest messages were read by an AMQP stream consumer${derived}; streams keep their messages, so reading changes nothing (needs read permission only, not allow peek)`,
      });
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
        const late = peekRefusal(requester, [peekRisk(q.info, q.label, this.deliveryCounts.get(ledgerKey(q.info)))]);
        if (late) {
          throw late;
        }
        const got = await this.api!.post<PeekedMessage[]>(path, peekRequest(limit - out.length, this.s.payloadLimit));
        if (q.info.type === 'quorum' && got.length > 0) {
          this.deliveryCounts.set(ledgerKey(q.info), Math.max(...got.map(deliveryCount)) + 1);
        }
        return got;
      });
      messages.forEach((m, i) => out.push({ row: messageRow(m, q.label, state, i, this.s.payloadLimit), message: m }));
      if (q.info.type === 'quorum' && messages.length > 0) {
        const counts = messages.map(deliveryCount);
        const dl = deliveryLimit(q.info.arguments, q.info.effective_policy_definition);
        notice({ severity: 'warning', text: quorumPeekNotice(q.label, dl?.limit, counts) });
        const dropped = dl ? counts.filter((c) => c + 1 > dl.limit).length : 0;
        if (dropped > 0) {
          // Requeued by other consumers up to the limit before this peek saw them.
          notice({
            severity: 'error',
            text: `${q.label}: ${dropped} message(s) had already been delivered ${dl!.limit} time(s) by other consumers; this peek's requeue passed the delivery-limit and the broker dropped or dead-lettered them`,
          });
        }
      }
    }
    if (out.length > 0 && peekable.length > 0) {
      notice({
        severity: 'info',
        text: 'messages were peeked and requeued (marked redelivered; on quorum queues each peek raises x-delivery-count and counts toward the delivery-limit)',
      });
    }
    return out;
  }

  private async readWithoutManagement(
    query: JobscopeQuery,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const type = query.queryType ?? 'overview';
    if (type !== 'overview') {
      throw badRequest(
        `RabbitMQ: the "${type}" query needs the management API (set the management URL); over AMQP only an overview of named queues is available`
      );
    }
    const names = (query.queues ?? []).filter((q) => !/[*?]/.test(q));
    if (names.length === 0 || names.length !== (query.queues ?? []).length) {
      throw badRequest(
        'RabbitMQ without the management API cannot list queues: name the queues literally (no patterns), or set the management URL'
      );
    }
    const { counts } = await passiveCounts(this.amqpSettings(), names);
    const missing = names.filter((n) => !counts.has(n));
    if (missing.length > 0) {
      const text = `queue ${missing.map((q) => `"${q}"`).join(', ')} not found (AMQP passive declare answered 404)`;
      if (missing.length === names.length) {
        throw notFound(text);
      }
      notice({ severity: 'warning', text });
    }
    notice({
      severity: 'info',
      text: 'read over AMQP (passive declares): wait = messages ready, workers = consumers; unacknowledged messages, rates, consumer details and dead-letter queues need the management API',
    });
    const stats = [...counts].map(([queue, c]) => ({
      system: SYSTEM,
      queue,
      values: { wait: c.messageCount, workers: c.consumerCount },
    }));
    return { type: 'overview', stats, notices, executed: `AMQP queue.declare passive for ${names.length} queue(s)` };
  }

  async close(): Promise<void> {
    this.api?.close();
  }
}
