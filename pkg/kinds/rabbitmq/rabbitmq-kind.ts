/**
 * The `rabbitmq` data source kind. With the management API (the normal case) a refresh is
 * a fixed number of HTTP calls whatever the number of queues: one paged /api/queues listing
 * (page_size 500, only the columns needed, shared by discovery and the query within a read)
 * plus, for the dead-letter topology, /api/bindings and /api/exchanges (cached 30 s).
 * Without it, queues cannot be listed: the system's discovery is `byName`, and the queues a
 * query names are confirmed and read by AMQP passive declares.
 *
 * Queue labels: the plain queue name when the data source is limited to one vhost
 * (jsonData.vhost), else "<url-encoded vhost>/<name>" ("%2F/orders" for the default vhost),
 * which is unique because an encoded vhost holds no "/". Errors are described where they
 * happen (management.ts, amqp.ts), each request and connection within the time bound.
 */
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import { badRequest, notFound } from '../../errors/errors';
import type { Kind, ReadContext, SystemsFound } from '../../source/job-system';
import { JobSource } from '../../source/job-source';
import { rabbitSettings, RabbitSettings } from './settings';
import { ManagementApi, pagedList, vhostPath } from './management';
import { passiveCounts, PassiveCount } from './amqp';
import type { QueueListing, RabbitContext } from './context';
import type { BindingInfo, ExchangeInfo, QueueInfo } from './systems/rabbitmq/topology';
import { RabbitSystem } from './systems/rabbitmq/rabbitmq-system';

const ROUTING_TTL_MS = 30_000;
/** At most this many queues are listed (20 pages of 500). */
const MAX_QUEUES = 10_000;

type Routing = { bindings: BindingInfo[]; exchanges: ExchangeInfo[] };

export class RabbitKind implements Kind<RabbitContext> {
  readonly id = 'rabbitmq' as const;
  readonly parallel = true;
  readonly settings: RabbitSettings;
  private readonly api?: ManagementApi;
  private readonly system: RabbitSystem;
  private routing?: { at: number; result: Promise<Routing> };

  constructor(config: DatasourceConfig, _log: Logger) {
    const s = (this.settings = rabbitSettings(config));
    if (s.managementUrl) {
      this.api = new ManagementApi({ ...s, managementUrl: s.managementUrl });
    }
    this.system = new RabbitSystem(s);
  }

  private label = (vhost: string, name: string): string =>
    this.settings.vhost ? name : `${encodeURIComponent(vhost)}/${name}`;

  private scoped = (path: string): string => (this.settings.vhost ? `${path}/${vhostPath(this.settings.vhost)}` : path);

  private amqpSettings(): RabbitSettings & { amqpUrl: string } {
    if (!this.settings.amqpUrl) {
      throw badRequest('RabbitMQ: no AMQP URL or management URL set');
    }
    return { ...this.settings, amqpUrl: this.settings.amqpUrl };
  }

  private routingTables(): Promise<Routing> {
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

  async session<T>(base: ReadContext, fn: (ctx: RabbitContext) => Promise<T>): Promise<T> {
    const listings = new Map<string, Promise<QueueListing>>();
    const declared = new Map<string, PassiveCount | undefined>();
    let server: string | undefined;
    const queues = (columns: string, extra: Record<string, string | number> = {}): Promise<QueueListing> => {
      const key = JSON.stringify([columns, extra]);
      let listing = listings.get(key);
      if (!listing) {
        listing = pagedList<QueueInfo>(this.api!, this.scoped('queues'), { columns, ...extra }, MAX_QUEUES).then(
          (l) => {
            if (!l.complete) {
              base.notice(
                'warning',
                `more than ${MAX_QUEUES} queues: only the first ${MAX_QUEUES} (by name) were read; set a vhost or narrow the queues`
              );
            }
            return l;
          }
        );
        listings.set(key, listing);
      }
      return listing;
    };
    const passive = async (names: string[]) => {
      const todo = names.filter((n) => !declared.has(n));
      if (todo.length > 0 || server === undefined) {
        const got = await passiveCounts(this.amqpSettings(), todo);
        server = got.server;
        todo.forEach((n) => declared.set(n, got.counts.get(n)));
      }
      const counts = new Map<string, PassiveCount>();
      for (const n of names) {
        const c = declared.get(n);
        if (c) {
          counts.set(n, c);
        }
      }
      return { server, counts };
    };
    return fn({
      ...base,
      settings: this.settings,
      api: this.api,
      label: this.label,
      scoped: this.scoped,
      queues,
      routing: () => this.routingTables(),
      passive,
    });
  }

  async systems(): Promise<SystemsFound<RabbitContext>> {
    return { systems: [this.system], notices: [] };
  }

  async server(ctx: RabbitContext): Promise<{ name: string; notices?: string[] }> {
    if (!this.api) {
      const { server } = await ctx.passive([]);
      return {
        name: `${server} over AMQP`,
        notices: [
          'no management URL: only queues named in a query can be read (message and consumer counts); rates, consumers, topology and dead-letter browsing need the management API',
        ],
      };
    }
    const overview = await this.api.get<{ rabbitmq_version?: string; product_version?: string; cluster_name?: string }>(
      'overview',
      { columns: 'rabbitmq_version,product_version,cluster_name' }
    );
    const version = overview.rabbitmq_version ?? overview.product_version ?? 'unknown version';
    const vhost = this.settings.vhost;
    return {
      name: `RabbitMQ ${version}${overview.cluster_name ? ` (cluster ${overview.cluster_name})` : ''}${vhost ? `, vhost "${vhost}"` : ''}`,
      notices: this.settings.amqpUrl ? [] : ['no AMQP URL set: not needed while the management API answers'],
    };
  }

  where(): string {
    if (!this.api) {
      return "the AMQP URL's vhost: AMQP passive declare answered 404";
    }
    return this.settings.vhost
      ? `vhost "${this.settings.vhost}"`
      : 'any vhost (name queues as <vhost>/<queue>, e.g. %2F/orders, or set the vhost)';
  }

  /** JSON resources for CallResource: the dead-letter `topology`. */
  async resource(path: string): Promise<unknown> {
    if (path !== 'topology') {
      throw notFound(`no resource /${path} for RabbitMQ`);
    }
    if (!this.api) {
      throw badRequest('the dead-letter topology needs the RabbitMQ management API: set the management URL');
    }
    const now = Date.now();
    const base: ReadContext = {
      now,
      from: now,
      to: now,
      intervalMs: 0,
      payloadLimit: this.settings.payloadLimit,
      limit: 0,
      named: [],
      notice: () => undefined,
    };
    return this.session(base, (ctx) => this.system.topology(ctx));
  }

  async close(): Promise<void> {
    this.api?.close();
  }
}

/** The source serving a `rabbitmq` data source. */
export function rabbitSource(config: DatasourceConfig, log: Logger): JobSource<RabbitContext> {
  return new JobSource(new RabbitKind(config, log));
}
