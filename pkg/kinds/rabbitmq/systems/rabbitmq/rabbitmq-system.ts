/**
 * RabbitMQ's queues as a job system: ready, unacknowledged and dead-lettered messages from
 * the management API's queue listing (dead-letter roles from the topology), rates from its
 * samples, consumers as workers, and messages browsed by peeking (peek.ts). Without the
 * management API the queues cannot be listed (a `byName` discovery): the queues a query
 * names are confirmed by AMQP passive declares, and only their overview can be read.
 */
import { badRequest } from '../../../../errors/errors';
import { isGlob } from '../../../../query/glob';
import type { Discovery, JobSystem, JobsOptions } from '../../../../source/job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import { matchesSearch } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import type { RabbitContext } from '../../context';
import type { RabbitSettings } from '../../settings';
import { vhostPath } from '../../management';
import { QUEUE_COLUMNS, queueKinds, queueValues, statsMissing, topologyNotice } from './overview';
import { queueSeries, rateParams } from './throughput';
import { consumerWorkers, ConnectionInfo, ConsumerInfo } from './workers';
import { failureSample } from './dlq';
import type { Topology } from './topology';
import { Peeks } from './peek';
import { selectListed, topologyOf } from './selection';

const CANNOT_LIST = 'RabbitMQ without the management API cannot list queues';

/** The query types that need the management API, in the words of the old refusal. */
const needsManagement = (type: string) =>
  badRequest(
    `RabbitMQ: the "${type}" query needs the management API (set the management URL); over AMQP only an overview of named queues is available`
  );

export class RabbitSystem implements JobSystem<RabbitContext> {
  readonly id = 'rabbitmq' as const;
  readonly describe: string;
  private readonly peeks = new Peeks();

  constructor(settings: RabbitSettings) {
    this.describe = settings.vhost ? `RabbitMQ (vhost "${settings.vhost}")` : 'RabbitMQ';
  }

  async discover(ctx: RabbitContext): Promise<Discovery> {
    if (!ctx.api) {
      return { queues: [], complete: true, byName: true };
    }
    // The columns the query reads: the session lists once for both.
    const { items, complete } = await ctx.queues(QUEUE_COLUMNS);
    return { queues: items.map((q) => ctx.label(q.vhost, q.name)), complete };
  }

  /** Without the management API: the named queues a passive declare finds. */
  async exists(ctx: RabbitContext, names: string[]): Promise<string[]> {
    if (ctx.api) {
      // Past the listing's MAX_QUEUES, named queues are read only through the listing, as before.
      return [];
    }
    if (names.length === 0) {
      ctx.notice('info', `${CANNOT_LIST}: name the queues to read, or set the management URL`);
      return [];
    }
    if (names.some(isGlob)) {
      throw badRequest(`${CANNOT_LIST}: name the queues literally (no patterns), or set the management URL`);
    }
    const { counts } = await ctx.passive(names);
    return names.filter((n) => counts.has(n));
  }

  async topology(ctx: RabbitContext): Promise<Topology> {
    return topologyOf(ctx, (await ctx.queues(QUEUE_COLUMNS)).items);
  }

  async overview(ctx: RabbitContext, queues: string[]): Promise<QueueStats[]> {
    if (!ctx.api) {
      const { counts } = await ctx.passive(queues);
      ctx.notice(
        'info',
        'read over AMQP (passive declares): wait = messages ready, workers = consumers; unacknowledged messages, rates, consumer details and dead-letter queues need the management API'
      );
      return [...counts].map(([queue, c]) => ({ queue, values: { wait: c.messageCount, workers: c.consumerCount } }));
    }
    const { items: all } = await ctx.queues(QUEUE_COLUMNS);
    const selected = selectListed(ctx, all, queues);
    const nodes = (await topologyOf(ctx, all)).nodes;
    const roles = new Map(nodes.filter((n) => n.role).map((n) => [n.id, n.role!]));
    const stats: QueueStats[] = [];
    for (const q of selected) {
      if (statsMissing(q.info)) {
        ctx.notice(
          'info',
          `${q.label}: the broker has not collected statistics for this queue yet (new queue); retry in a few seconds`
        );
        continue;
      }
      const values = queueValues(q.info, { nowMs: ctx.now, role: roles.get(q.label) });
      if (q.info.messages_ready && values.oldest_wait_seconds === undefined) {
        ctx.notice(
          'info',
          'oldest_wait_seconds needs a timestamp on messages (set by the publisher or the rabbitmq_message_timestamp plugin); queues whose head message has none leave it out'
        );
      }
      stats.push({ queue: q.label, values });
    }
    const kinds = queueKinds(selected.map((q) => ({ ...q.info, label: q.label })));
    if (kinds) {
      ctx.notice('info', kinds);
    }
    const shown = new Set(selected.map((q) => q.label));
    const roleLine = topologyNotice(nodes.filter((n) => shown.has(n.id)));
    if (roleLine) {
      ctx.notice('info', roleLine);
    }
    ctx.notice(
      'info',
      'RabbitMQ keeps no completed/failed counts: wait = ready, active = unacknowledged, workers = consumers, dead = messages in terminal dead-letter queues, retries = messages in the delay queues of retry loops'
    );
    return stats;
  }

  async throughput(ctx: RabbitContext, queues: string[]): Promise<Series[]> {
    if (!ctx.api) {
      throw needsManagement('timeseries');
    }
    const params = rateParams(ctx.from, ctx.now, ctx.intervalMs);
    if (ctx.to < ctx.now - params.msg_rates_age * 1000) {
      ctx.notice(
        'info',
        'RabbitMQ keeps message rates for about an hour only (its sample retention policy): nothing older is available'
      );
    }
    const { items } = await ctx.queues('name,vhost,message_stats', params);
    const series = selectListed(ctx, items, queues).flatMap((q) => queueSeries(q.info, q.label, ctx.from, ctx.to));
    ctx.notice(
      'info',
      `message counts per ${params.msg_rates_incr} s from the management API's rate samples (last ${params.msg_rates_age} s): completed = acks, plus published, delivered, redelivered`
    );
    return series;
  }

  async workers(ctx: RabbitContext, queues: string[]): Promise<WorkerRow[]> {
    if (!ctx.api) {
      throw needsManagement('workers');
    }
    const vhost = ctx.settings.vhost;
    const connectionsPath = vhost ? `vhosts/${vhostPath(vhost)}/connections` : 'connections';
    const [consumers, connections] = await Promise.all([
      ctx.api.get<ConsumerInfo[]>(ctx.scoped('consumers')),
      ctx.api.get<ConnectionInfo[]>(connectionsPath, { columns: 'name,user_provided_name,client_properties' }),
    ]);
    const selected = new Set(queues);
    return consumerWorkers(consumers, connections, ctx.label, (l) => selected.has(l)).slice(0, ctx.limit);
  }

  async jobs(ctx: RabbitContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    if (!ctx.api) {
      throw needsManagement('jobs');
    }
    const peeked = await this.peeks.read(ctx, queues, options.state);
    return peeked
      .map((p) => p.row)
      .filter((r) => matchesSearch(r, options.search))
      .slice(0, ctx.limit);
  }

  /** Failures are the dead-lettered messages, grouped by their reason. */
  async failures(ctx: RabbitContext, queues: string[]): Promise<FailureGroup[]> {
    if (!ctx.api) {
      throw needsManagement('failures');
    }
    const peeked = await this.peeks.read(ctx, queues, 'dead');
    return groupFailures(
      peeked.map((p) => failureSample(p.message, p.row)),
      ctx.limit
    );
  }
}
