/**
 * The `postgres` data source kind: job tables in PostgreSQL (pg-boss, graphile-worker,
 * River, Oban, Que, Solid Queue, GoodJob).
 * A small pool; each health check or query runs in ONE read-only transaction with a
 * statement timeout (connection.ts); systems and their queues are detected from the
 * catalog and cached for 30 s; each query type costs one statement per system found.
 */
import type { Pool } from 'pg';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { JobscopeQuery } from '../../model/query';
import { queueFilter } from '../../query/parse';
import type { Notice } from '../../reading/notice';
import { badRequest, notFound } from '../../errors/errors';
import type { HealthReport, QueryWindow, QueueRef, QueueSource } from '../../source/queue-source';
import type { ReadResult } from '../../reading/results';
import { createPool, readOnly, type PostgresOptions, type Sql } from './connection';
import { postgresSettings } from './settings';
import { detectSystems } from './detect';
import type { PgJobSystem, PgReadContext } from './job-system';
import { addNotice } from '../../reading/results';

const DISCOVERY_TTL_MS = 30_000;
const DEFAULT_LIMIT = 100;

interface Found {
  system: PgJobSystem;
  /** The system's own queue names. */
  queues: string[];
  /**
   * `<schema>/` when the same system is also in another schema of the database (two
   * pg-boss schemas may both have a queue "emails"): queue names are shown and matched
   * with it, so that every series keeps labels of its own. Empty otherwise.
   */
  prefix: string;
}

/** A row's queue name(s) as the user sees them. */
function qualified<T>(row: T, prefix: string): T {
  if (!prefix) {
    return row;
  }
  const r = row as { queue?: unknown; queues?: unknown; labels?: Record<string, string> };
  return {
    ...row,
    ...(typeof r.queue === 'string' ? { queue: prefix + r.queue } : {}),
    ...(Array.isArray(r.queues) ? { queues: r.queues.map((q) => prefix + q) } : {}),
    ...(r.labels?.queue !== undefined ? { labels: { ...r.labels, queue: prefix + r.labels.queue } } : {}),
  };
}

interface Discovery {
  found: Found[];
  notices: string[];
}

export class PostgresSource implements QueueSource {
  private readonly options: PostgresOptions;
  private readonly pool: Pool;
  private readonly pattern: (name: string) => boolean;
  private readonly payloadLimit: number;
  private discovery?: { at: number; result: Discovery };

  constructor(config: DatasourceConfig, _log: Logger) {
    this.options = postgresSettings(config);
    this.pool = createPool(this.options);
    this.pattern = queueFilter(this.options.discoveryPattern ? [this.options.discoveryPattern] : []);
    this.payloadLimit = this.options.payloadLimit;
  }

  private context(sql: Sql, window: QueryWindow, limit: number, notices: Notice[]): PgReadContext {
    return {
      sql,
      now: window.now,
      from: window.from,
      to: window.to,
      intervalMs: window.intervalMs,
      payloadLimit: this.payloadLimit,
      limit,
      maxExactRows: this.options.maxExactRows,
      notice: (severity, text) => addNotice(notices, { severity, text }),
    };
  }

  /** Systems (one catalog query) and their queues (one query each), cached. */
  private async discover(ctx: PgReadContext, fresh = false): Promise<Discovery> {
    if (!fresh && this.discovery && Date.now() - this.discovery.at < DISCOVERY_TTL_MS) {
      return this.discovery.result;
    }
    const { systems, notices } = await detectSystems(ctx.sql, this.options.schemas);
    const found: Found[] = [];
    for (const system of systems) {
      const prefix = systems.filter((other) => other.id === system.id).length > 1 ? `${system.schema}/` : '';
      found.push({ system, prefix, queues: (await system.queues(ctx)).filter((q) => this.pattern(prefix + q)) });
    }
    const result = { found, notices };
    this.discovery = { at: Date.now(), result };
    return result;
  }

  /** The systems a query covers with its queues; unknown literal queue names are a 404. */
  private async targets(query: Pick<JobscopeQuery, 'system' | 'queues'>, ctx: PgReadContext): Promise<Found[]> {
    const wanted = queueFilter(query.queues);
    const pick = (d: Discovery) =>
      d.found
        .filter((f) => !query.system || f.system.id === query.system)
        .map((f) => ({ ...f, queues: f.queues.filter((q) => wanted(f.prefix + q)) }));
    let discovery = await this.discover(ctx);
    let targets = pick(discovery);
    const literals = (query.queues ?? []).filter((q) => !/[*?]/.test(q));
    const missing = () => literals.filter((name) => !targets.some((t) => t.queues.some((q) => t.prefix + q === name)));
    if (missing().length > 0) {
      discovery = await this.discover(ctx, true);
      targets = pick(discovery);
    }
    discovery.notices.forEach((n) => ctx.notice('warning', n));
    const unknown = missing();
    if (unknown.length > 0) {
      const where =
        discovery.found.map((f) => f.system.describe).join(', ') ||
        `database ${this.options.display} (no job system found)`;
      const text = `queue ${unknown.map((q) => `"${q}"`).join(', ')} not found (looked in ${where})`;
      if (unknown.length === literals.length && literals.length === (query.queues ?? []).length) {
        throw notFound(text);
      }
      ctx.notice('warning', text);
    }
    return targets;
  }

  private run<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    return readOnly(this.pool, this.options, fn);
  }

  async checkHealth(): Promise<HealthReport> {
    return this.run(async (sql) => {
      const [{ server_version: version, db }] = await sql(
        `SELECT current_setting('server_version') AS server_version, current_database() AS db`
      );
      const notices: Notice[] = [];
      const now = Date.now();
      const ctx = this.context(sql, { from: now - 3600_000, to: now, now, intervalMs: 60_000 }, 0, notices);
      const discovery = await this.discover(ctx, true);
      discovery.notices.forEach((n) => ctx.notice('warning', n));
      const systems: Record<string, number> = {};
      const summaries: string[] = [];
      for (const f of discovery.found) {
        systems[f.system.id] = (systems[f.system.id] ?? 0) + f.queues.length;
        if (f.queues.length > 0) {
          const stats = await f.system.overview(ctx, f.queues);
          const sum = (m: 'wait' | 'active' | 'failed') => stats.reduce((a, s) => a + (s.values[m] ?? 0), 0);
          summaries.push(
            `${f.system.describe}: ${f.queues.length} queue(s), ${sum('wait')} waiting, ${sum('active')} active, ${sum('failed')} failed`
          );
        }
      }
      return {
        server: `PostgreSQL ${version}, database "${db}"`,
        systems,
        // The adapters' info notices explain numbers of a query; health keeps warnings only.
        notices: [...summaries, ...notices.filter((n) => n.severity !== 'info').map((n) => n.text)],
      };
    });
  }

  async listQueues(): Promise<QueueRef[]> {
    return this.run(async (sql) => {
      const now = Date.now();
      const ctx = this.context(sql, { from: now, to: now, now, intervalMs: 0 }, 0, []);
      const discovery = await this.discover(ctx);
      return discovery.found.flatMap((f) =>
        f.queues.map((queue) => ({ system: f.system.id, queue: f.prefix + queue }))
      );
    });
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    return this.run(async (sql) => {
      const notices: Notice[] = [];
      const ctx = this.context(sql, window, query.limit ?? DEFAULT_LIMIT, notices);
      const targets = (await this.targets(query, ctx)).filter((t) => t.queues.length > 0);
      const executed =
        targets.map((t) => `${t.system.describe}: ${t.queues.length} queue(s)`).join('; ') || 'no matching queues';
      // One transaction = one connection: systems are read one after the other.
      const each = async <T>(fn: (system: PgJobSystem, queues: string[]) => Promise<T[]>) => {
        const out: Array<T & { system: string }> = [];
        for (const t of targets) {
          out.push(
            ...(await fn(t.system, t.queues)).map((row) => ({ ...qualified(row, t.prefix), system: t.system.id }))
          );
        }
        return out;
      };
      switch (query.queryType ?? 'overview') {
        case 'overview':
          return { type: 'overview', stats: await each((s, q) => s.overview(ctx, q)), notices, executed };
        case 'timeseries': {
          const series = [];
          for (const t of targets) {
            series.push(...(await t.system.throughput(ctx, t.queues)).map((x) => qualified(x, t.prefix)));
          }
          return { type: 'timeseries', series, notices, executed };
        }
        case 'failures': {
          const groups = (await each((s, q) => s.failures(ctx, q))).sort((a, b) => b.count - a.count);
          return { type: 'failures', groups: groups.slice(0, ctx.limit), notices, executed };
        }
        case 'jobs': {
          const state = query.state ?? 'failed';
          const rows = await each((s, q) => s.jobs(ctx, q, { state, search: query.search }));
          rows.sort((a, b) => (b.finishedAt ?? b.createdAt ?? 0) - (a.finishedAt ?? a.createdAt ?? 0));
          return { type: 'jobs', rows: rows.slice(0, ctx.limit), notices, executed: `${executed}; ${state} jobs` };
        }
        case 'workers':
          return { type: 'workers', rows: await each((s, q) => s.workers(ctx, q)), notices, executed };
        default:
          throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
      }
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
