/**
 * The `nats` data source kind (NATS JetStream): one connection per data source, opened
 * lazily (connection.ts), each JetStream API call bounded by timeoutSeconds, and one job
 * system, `jetstream` (systems/jetstream/), whose queues are consumers, `<stream>/<consumer>`.
 * Discovery, selection and the query switch are the generic source's
 * (pkg/source/job-source.ts). Only JetStream manager reads and stored-message gets, never a
 * fetch, an ack or a consumer creation.
 */
import { NatsError } from 'nats';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import { JobscopeError } from '../../errors/errors';
import type { Kind, ReadContext, SystemsFound } from '../../source/job-system';
import { JobSource } from '../../source/job-source';
import { natsSettings, NatsSettings } from './settings';
import { NatsConnector, natsError } from './connection';
import type { NatsContext } from './context';
import { ConsumerListing } from './systems/jetstream/consumers';
import { JetStreamSystem } from './systems/jetstream/jetstream-system';
import { NO_ADVISORY_STREAM_NOTICE } from './systems/jetstream/advisories';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export class NatsKind implements Kind<NatsContext> {
  /** One system, so nothing to read side by side; its calls are bounded in flight by the system. */
  readonly id = 'nats' as const;
  readonly parallel = true;
  readonly settings: NatsSettings;
  private readonly conn: NatsConnector;
  private readonly jetstream: JetStreamSystem;

  constructor(config: DatasourceConfig, _log: Logger) {
    this.settings = natsSettings(config);
    this.conn = new NatsConnector(this.settings);
    this.jetstream = new JetStreamSystem();
  }

  /** Runs `fn` connected, with a listing of its own, and the client's failures in Grafana's terms. */
  async session<T>(base: ReadContext, fn: (ctx: NatsContext) => Promise<T>): Promise<T> {
    const { nc, jsm } = await this.conn.get();
    const listing = new ConsumerListing(jsm, this.settings);
    try {
      return await fn({ ...base, nc, jsm, settings: this.settings, listing });
    } catch (err) {
      throw describeFailure(err, this.settings);
    }
  }

  async systems(): Promise<SystemsFound<NatsContext>> {
    return { systems: [this.jetstream], notices: [] };
  }

  /** The server and its JetStream account; whether dead letters can be shown. */
  async server(ctx: NatsContext): Promise<{ name: string; notices: string[] }> {
    const s = this.settings;
    let account;
    try {
      account = await ctx.jsm.getAccountInfo();
    } catch (err) {
      throw natsError(err, s, 'JetStream account info');
    }
    const notices = [`JetStream account: ${account.streams} stream(s), ${account.consumers} consumer(s)`];
    if (s.advisoryStream) {
      try {
        await ctx.jsm.streams.info(s.advisoryStream);
      } catch (err) {
        const e = natsError(err, s);
        if (e.status !== 404) {
          throw e;
        }
        notices.push(
          `advisory stream "${s.advisoryStream}" does not exist: dead messages cannot be shown. ${NO_ADVISORY_STREAM_NOTICE}`
        );
      }
    } else {
      notices.push(NO_ADVISORY_STREAM_NOTICE);
    }
    const info = ctx.nc.info;
    const server = `NATS ${info?.version ?? 'unknown version'}${info?.server_name ? ` (${info.server_name})` : ''}`;
    return {
      name: `${server} with JetStream (${plural(account.streams, 'stream')}, ${plural(account.consumers, 'consumer')})`,
      notices,
    };
  }

  where(found: SystemsFound<NatsContext>): string {
    return found.systems.map((s) => s.describe).join(', ');
  }

  /** A JetStream queue name is a pair; say so rather than where it looked (there is one place). */
  notFound(): string {
    return ' (a JetStream queue is <stream>/<consumer>, e.g. ORDERS/worker)';
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}

/**
 * A failure of the client or the server in Grafana's terms (connection.ts); our own
 * defects (a TypeError) stay what they are, so they are answered as the plugin's.
 */
function describeFailure(err: unknown, s: NatsSettings): unknown {
  if (err instanceof JobscopeError || err instanceof NatsError) {
    return natsError(err, s);
  }
  const e = err as { code?: unknown; api_error?: unknown };
  return e && (e.api_error !== undefined || typeof e.code === 'string') ? natsError(err, s) : err;
}

/** The source serving a `nats` data source. */
export function natsSource(config: DatasourceConfig, log: Logger): JobSource<NatsContext> {
  return new JobSource(new NatsKind(config, log));
}
