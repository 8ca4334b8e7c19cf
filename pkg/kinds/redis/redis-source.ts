/**
 * The `redis` data source kind: one connection shared by every query, queue discovery
 * cached per job system, and one adapter per Redis-based job system. Each query type
 * fans out to the adapters of the systems found and merges their rows.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { JobscopeQuery } from '../../model/query';
import { queueFilter } from '../../query/parse';
import type { Notice } from '../../reading/notice';
import { badRequest, notFound, timedOut } from '../../errors/errors';
import { withDeadline } from '../../errors/deadline';
import type { HealthReport, QueryWindow, QueueRef, QueueSource } from '../../source/queue-source';
import type { ReadResult } from '../../reading/results';
import { redisSettings, RedisSettings } from './settings';
import { createRedis, describeRedisError, redisOptions, redisWhere } from './connection';
import { scanKeys } from './scan';
import { scatterPipeline, withPipeline } from './adapter-client';
import { RawConnection } from './raw-pipeline';
import { countRoundTrip } from './traffic';
import type { Discovery, ReadContext, RedisJobSystem } from './job-system';
import { redisJobSystems } from './systems';
import { addNotice } from '../../reading/results';

/** Queue lists change rarely; rediscover at most this often. */
const DISCOVERY_TTL_MS = 30_000;
const DEFAULT_LIMIT = 100;
/** Errors no reconnect can cure: credentials, permissions, the database index. */
const REFUSED = /WRONGPASS|NOAUTH|NOPERM|invalid username-password|AUTH|DB index/i;

export class RedisSource implements QueueSource {
  private readonly client: Redis | Cluster;
  /** What adapters get: the client, with cross-slot pipelines made safe on a Cluster. */
  private readonly adapterClient: Redis | Cluster;
  /** The bulk-read connection (standalone only). */
  private raw?: RawConnection;
  private readonly lastError: () => Error | undefined;
  private readonly s: RedisSettings;
  private readonly systems: RedisJobSystem[];
  private readonly pattern: (name: string) => boolean;
  private readonly discovery = new Map<string, { at: number; result: Promise<Discovery> }>();

  constructor(config: DatasourceConfig, log: Logger) {
    const s = (this.s = redisSettings(config));
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
    this.systems = redisJobSystems(s);
    this.pattern = queueFilter(s.discoveryPattern ? [s.discoveryPattern] : []);
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

  private context(window: QueryWindow, limit: number, notices: Notice[]): ReadContext {
    return {
      client: this.adapterClient,
      scan: (match) => scanKeys(this.client, match),
      clientList: () => this.clientList(),
      now: window.now,
      from: window.from,
      to: window.to,
      intervalMs: window.intervalMs,
      payloadLimit: this.s.payloadLimit,
      limit,
      notice: (severity, text) => addNotice(notices, { severity, text }),
    };
  }

  private discover(system: RedisJobSystem, ctx: ReadContext, fresh = false): Promise<Discovery> {
    const cached = this.discovery.get(system.id);
    if (!fresh && cached && Date.now() - cached.at < DISCOVERY_TTL_MS) {
      return cached.result;
    }
    const result = system.discover(ctx).then((d) => ({ ...d, queues: d.queues.filter(this.pattern) }));
    this.discovery.set(system.id, { at: Date.now(), result });
    result.catch(() => this.discovery.delete(system.id));
    return result;
  }

  /**
   * The systems a query covers, each with the queues it asked for. A queue named
   * literally but not in the cached discovery triggers one fresh discovery (it may be new);
   * if it is still missing, the user hears about it instead of getting silent zeros.
   */
  private async targets(query: Pick<JobscopeQuery, 'system' | 'queues'>, ctx: ReadContext, fresh = false) {
    const wanted = queueFilter(query.queues);
    const systems = this.systems.filter((s) => !query.system || s.id === query.system);
    const resolve = (refresh: boolean) =>
      Promise.all(
        systems.map(async (system) => {
          const found = await this.discover(system, ctx, refresh);
          return { system, found, queues: found.queues.filter(wanted) };
        })
      );
    let targets = await resolve(fresh);
    const literals = (query.queues ?? []).filter((q) => !/[*?]/.test(q));
    const missing = () => literals.filter((name) => !targets.some((t) => t.queues.includes(name)));
    if (!fresh && missing().length > 0) {
      targets = await resolve(true);
    }
    for (const t of targets) {
      if (!t.found.complete) {
        ctx.notice(
          'warning',
          `${t.system.describe}: discovery stopped early on a very large keyspace; some queues may be missing`
        );
      }
    }
    const unknown = missing();
    if (unknown.length > 0) {
      const where = systems.map((s) => s.describe).join(', ');
      if (unknown.length === (query.queues ?? []).length) {
        throw notFound(`queue ${unknown.map((q) => `"${q}"`).join(', ')} not found (looked in ${where})`);
      }
      ctx.notice('warning', `queue ${unknown.map((q) => `"${q}"`).join(', ')} not found (looked in ${where})`);
    }
    return targets;
  }

  async checkHealth(): Promise<HealthReport> {
    return this.call(async () => {
      const info = await this.client.info('server');
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown version';
      const notices: Notice[] = [];
      const ctx = this.context({ from: 0, to: 0, now: Date.now(), intervalMs: 0 }, 0, notices);
      const targets = await this.targets({}, ctx, true);
      const systems = Object.fromEntries(
        targets.filter((t) => t.queues.length > 0).map((t) => [t.system.id, t.queues.length])
      );
      return { server: `Redis ${version}`, systems, notices: notices.map((n) => n.text) };
    });
  }

  async listQueues(): Promise<QueueRef[]> {
    return this.call(async () => {
      const ctx = this.context({ from: 0, to: 0, now: Date.now(), intervalMs: 0 }, 0, []);
      const targets = await this.targets({}, ctx);
      return targets.flatMap((t) => t.queues.map((queue) => ({ system: t.system.id, queue })));
    });
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    return this.call(async () => {
      const notices: Notice[] = [];
      const ctx = this.context(window, query.limit ?? DEFAULT_LIMIT, notices);
      const targets = (await this.targets(query, ctx)).filter((t) => t.queues.length > 0);
      const executed =
        targets.map((t) => `${t.system.describe}: ${t.queues.length} queue(s)`).join('; ') || 'no matching queues';
      const each = <T>(fn: (system: RedisJobSystem, queues: string[]) => Promise<T[]>) =>
        Promise.all(
          targets.map(async (t) => (await fn(t.system, t.queues)).map((row) => ({ ...row, system: t.system.id })))
        ).then((r) => r.flat());
      const limited = <T>(rows: T[]) => rows.slice(0, ctx.limit);
      switch (query.queryType ?? 'overview') {
        case 'overview':
          return { type: 'overview', stats: await each((s, q) => s.overview(ctx, q)), notices, executed };
        case 'timeseries': {
          const series = (await Promise.all(targets.map((t) => t.system.throughput(ctx, t.queues)))).flat();
          return { type: 'timeseries', series, notices, executed };
        }
        case 'failures': {
          const groups = (await each((s, q) => s.failures(ctx, q))).sort((a, b) => b.count - a.count);
          return { type: 'failures', groups: limited(groups), notices, executed };
        }
        case 'jobs': {
          const state = query.state ?? 'failed';
          const rows = await each((s, q) => s.jobs(ctx, q, { state, search: query.search }));
          return { type: 'jobs', rows: limited(rows), notices, executed: `${executed}; ${state} jobs` };
        }
        case 'workers':
          return { type: 'workers', rows: await each((s, q) => s.workers(ctx, q)), notices, executed };
        default:
          throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
      }
    });
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
