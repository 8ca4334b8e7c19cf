/**
 * The `redis` data source kind: one connection shared by every query (standalone: plus a
 * bulk RESP connection for pipelined reads), bounded by the data source's time limit, and
 * one adapter per Redis-based job system, all of which may share the database. Discovery,
 * selection and the query switch are the generic source's (pkg/source/job-source.ts);
 * systems are read at the same time, so their commands share round trips.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import { timedOut } from '../../errors/errors';
import { withDeadline } from '../../errors/deadline';
import type { Kind, ReadContext as BaseReadContext, SystemsFound } from '../../source/job-system';
import { redisSettings, RedisSettings } from './settings';
import { createRedis, describeRedisError, redisOptions, redisWhere } from './connection';
import { scanKeys } from './scan';
import { scatterPipeline, withPipeline } from './adapter-client';
import { RawConnection } from './raw-pipeline';
import { countRoundTrip } from './traffic';
import type { ReadContext, RedisJobSystem } from './job-system';
import { redisJobSystems } from './systems';
import { JobSource } from '../../source/job-source';

/** Errors no reconnect can cure: credentials, permissions, the database index. */
const REFUSED = /WRONGPASS|NOAUTH|NOPERM|invalid username-password|AUTH|DB index/i;

export class RedisKind implements Kind<ReadContext> {
  readonly id = 'redis' as const;
  readonly parallel = true;
  private readonly client: Redis | Cluster;
  /** What adapters get: the client, with cross-slot pipelines made safe on a Cluster. */
  private readonly adapterClient: Redis | Cluster;
  /** The bulk-read connection (standalone only). */
  private raw?: RawConnection;
  private readonly lastError: () => Error | undefined;
  private readonly s: RedisSettings;
  readonly settings: RedisSettings;
  private readonly systemList: RedisJobSystem[];

  constructor(config: DatasourceConfig, log: Logger) {
    const s = (this.s = this.settings = redisSettings(config));
    ({ client: this.client, lastError: this.lastError } = createRedis(s, config.uid, log));
    if ('isCluster' in this.client && this.client.isCluster) {
      const cluster = this.client as Cluster;
      this.adapterClient = withPipeline(cluster, () => scatterPipeline(cluster));
    } else if (s.mode === 'standalone') {
      const raw = new RawConnection(s.host, s.port, redisOptions(s));
      this.raw = raw;
      this.adapterClient = withPipeline(this.client, () => raw.pipeline());
    } else {
      this.adapterClient = this.client; // Sentinel: the master moves; ioredis follows it
    }
    this.systemList = redisJobSystems(s);
  }

  /**
   * Runs `fn` connected, within the data source's time bound (a silent port, a Sentinel
   * or Cluster seed that never answers), turning Redis failures into errors a Grafana user
   * can act on.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const work = this.ready().then(fn);
    try {
      return await withDeadline(work, this.s.timeoutMs, () =>
        timedOut(
          `Redis at ${redisWhere(this.s)} ` +
            `did not answer within ${this.s.timeoutMs / 1000} s (timeoutSeconds)` +
            (this.client.status === 'ready'
              ? ''
              : `: still connecting (${this.lastError()?.message ?? this.client.status})`)
        )
      );
    } catch (err) {
      // "Connection is closed." says nothing; the connection's own error says why.
      const cause = /Connection is closed|max retries/i.test((err as Error).message) ? (this.lastError() ?? err) : err;
      throw describeRedisError(cause as Error, this.s);
    }
  }

  /**
   * Connected and ready, or the reason why not. A Cluster whose seeds failed has no
   * nodes: reading it anyway would answer zero queues as if all were well.
   */
  private async ready(): Promise<void> {
    const client = this.client;
    if (client.status === 'wait' || client.status === 'end' || client.status === 'close') {
      await client.connect().catch((err: Error) => {
        if (!/already connecting|already connected/.test(err.message)) {
          throw err;
        }
      });
    }
    if (client.status === 'ready') {
      return;
    }
    // Redis refused the credentials or the database (reconnecting will not change that),
    // or the connection is down and retrying in the background: say why at once.
    const last = this.lastError();
    if (last && (REFUSED.test(last.message) || client.status === 'reconnecting')) {
      throw last;
    }
    await new Promise<void>((resolve, reject) => {
      // Never outlives the call's own deadline, so waiting calls leave no listeners behind.
      const timer = setTimeout(() => {
        const last = this.lastError()?.message;
        done(new Error(`did not answer: still ${client.status}${last ? ` (last error: ${last})` : ''}`));
      }, this.s.timeoutMs);
      const done = (err?: Error) => {
        clearTimeout(timer);
        client.off('ready', onReady);
        client.off('end', onEnd);
        client.off('error', onError);
        return err ? reject(err) : resolve();
      };
      const onReady = () => done();
      const onEnd = () => done(this.lastError() ?? new Error('Connection is closed.'));
      const onError = (err: Error) => REFUSED.test(err.message) && done(err);
      client.on('ready', onReady);
      client.on('end', onEnd);
      client.on('error', onError);
    });
  }

  /** Runs `fn` connected, within the time bound, with the Redis reading context. */
  session<T>(base: BaseReadContext, fn: (ctx: ReadContext) => Promise<T>): Promise<T> {
    return this.call(() =>
      fn({
        ...base,
        client: this.adapterClient,
        scan: (match) => scanKeys(this.client, match),
        clientList: () => this.clientList(),
      })
    );
  }

  async systems(): Promise<SystemsFound<ReadContext>> {
    return { systems: this.systemList, notices: [] };
  }

  async server(): Promise<{ name: string }> {
    const info = await this.client.info('server');
    return { name: `Redis ${/redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown version'}` };
  }

  where(found: SystemsFound<ReadContext>): string {
    return found.systems.map((s) => s.describe).join(', ');
  }

  private async clientList(): Promise<{ text: string; db: number }> {
    const nodes =
      'isCluster' in this.client && this.client.isCluster
        ? (this.client as Cluster).nodes('master')
        : [this.client as Redis];
    countRoundTrip(nodes.length);
    const lists = await Promise.all(nodes.map((n) => n.call('CLIENT', 'LIST') as Promise<string>));
    return { text: lists.join('\n'), db: nodes[0]?.options?.db ?? 0 };
  }

  async close(): Promise<void> {
    this.raw?.close();
    this.client.disconnect();
  }
}

/** The source serving a `redis` data source. */
export function redisSource(config: DatasourceConfig, log: Logger): JobSource<ReadContext> {
  return new JobSource(new RedisKind(config, log));
}
