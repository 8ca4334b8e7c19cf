/**
 * The one QueueSource every kind is served by: discovery (cached, filtered by the data
 * source's discovery pattern), queue selection with its rules (an unknown literal queue is
 * rediscovered once, then a 404 when it is all the query named, a notice otherwise), the
 * query-type switch, limits and order, the executed-query text and the health summary.
 * Kinds bring their connection and systems (job-system.ts); systems bring their reads.
 */
import { KIND_NAMES, type JobscopeQuery, type JobSystemId } from '../model/query';
import { descriptorOf } from '../model/catalogue';
import { isGlob, queueFilter } from '../query/glob';
import { DEFAULT_LIST_LIMIT } from '../query/parse';
import { badRequest, notFound } from '../errors/errors';
import type { Notice } from '../reading/notice';
import { addNotice, type ReadResult } from '../reading/results';
import type { HealthReport, QueryWindow, QueueRef, QueueSource } from './queue-source';
import type { Discovery, JobSystem, Kind, ReadContext } from './job-system';

/** Queue lists change rarely; rediscover at most this often. */
const DISCOVERY_TTL_MS = 30_000;

interface Snapshot<C extends ReadContext> {
  found: Array<{ system: JobSystem<C>; discovery: Discovery }>;
  detected: boolean;
  /** What "queue … not found" goes on with: where the kind looked, or its own words. */
  notFound: string;
  /** Where the kind looked, e.g. `redis://127.0.0.1:6379/0`. */
  where: string;
  notices: string[];
}

interface Target<C extends ReadContext> {
  system: JobSystem<C>;
  detected: boolean;
  queues: string[];
  complete: boolean;
}

/** Newest first: by when a job finished, else when it was made; undated rows keep their place. */
const newestFirst = (a: { finishedAt?: number; createdAt?: number }, b: { finishedAt?: number; createdAt?: number }) =>
  (b.finishedAt ?? b.createdAt ?? 0) - (a.finishedAt ?? a.createdAt ?? 0);

export class JobSource<C extends ReadContext> implements QueueSource {
  private cache?: { at: number; result: Promise<Snapshot<C>> };
  private readonly discovered: (queue: string) => boolean;
  /** The kind's own JSON resources for CallResource, where it has any. */
  readonly resource?: (path: string) => Promise<unknown>;

  constructor(private readonly kind: Kind<C>) {
    const pattern = kind.settings.discoveryPattern;
    this.discovered = queueFilter(pattern ? [pattern] : []);
    if (kind.resource) {
      this.resource = (path) => kind.resource!(path);
    }
  }

  private base(
    window: QueryWindow,
    limit: number,
    notices: Notice[],
    query: { named?: string[]; costs?: string[]; metrics?: JobscopeQuery['metrics'] } = {}
  ): ReadContext {
    return {
      now: window.now,
      from: window.from,
      to: window.to,
      intervalMs: window.intervalMs,
      payloadLimit: this.kind.settings.payloadLimit,
      limit,
      requester: window.requester,
      named: query.named ?? [],
      notice: (severity, text) => addNotice(notices, { severity, text }),
      executed: (text) => query.costs?.push(text),
      metrics: query.metrics?.length ? query.metrics : undefined,
    };
  }

  /** `fn` over items, at once or one after the other as the kind allows. */
  private async each<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
    if (this.kind.parallel) {
      return Promise.all(items.map(fn));
    }
    const out: R[] = [];
    for (const item of items) {
      out.push(await fn(item));
    }
    return out;
  }

  /** Every system the kind holds, with its queues; cached for DISCOVERY_TTL_MS. */
  private snapshot(ctx: C, fresh: boolean): Promise<Snapshot<C>> {
    if (!fresh && this.cache && Date.now() - this.cache.at < DISCOVERY_TTL_MS) {
      return this.cache.result;
    }
    const result = (async () => {
      const held = await this.kind.systems(ctx);
      const found = await this.each(held.systems, async (system) => {
        const d = await system.discover(ctx);
        return { system, discovery: { ...d, queues: d.queues.filter(this.discovered) } };
      });
      const where = this.kind.where(held);
      const notFound = this.kind.notFound?.(held) ?? ` (looked in ${where})`;
      return { found, detected: held.detected ?? false, notFound, where, notices: held.notices };
    })();
    this.cache = { at: Date.now(), result };
    result.catch(() => (this.cache = undefined));
    return result;
  }

  /**
   * The systems a query covers, each with the queues it asked for. A queue named literally
   * but not in the cached discovery triggers one fresh discovery (it may be new); if it is
   * still missing, the user hears about it instead of getting silent zeros.
   */
  private async targets(
    query: Pick<JobscopeQuery, 'system' | 'queues'>,
    ctx: C,
    fresh = false
  ): Promise<Array<Target<C>>> {
    const named = query.queues ?? [];
    const wanted = queueFilter(named);
    const literals = named.filter((q) => !isGlob(q));
    // A system that cannot list (a byName discovery) confirms the queues the query names
    // itself; one whose listing stopped early confirms the named queues it did not list.
    const queuesOf = async ({ system, discovery }: Snapshot<C>['found'][number]) => {
      if (discovery.byName) {
        return system.exists ? system.exists(ctx, named) : [];
      }
      const listed = discovery.queues.filter(wanted);
      const unlisted = literals.filter((name) => !listed.includes(name));
      if (discovery.complete || !system.exists || unlisted.length === 0) {
        return listed;
      }
      return [...listed, ...(await system.exists(ctx, unlisted))];
    };
    const pick = (s: Snapshot<C>) =>
      this.each(
        s.found.filter((f) => !query.system || f.system.id === query.system),
        async (f) => ({
          system: f.system,
          detected: s.detected,
          complete: f.discovery.complete,
          queues: await queuesOf(f),
        })
      );
    let snapshot = await this.snapshot(ctx, fresh);
    let targets = await pick(snapshot);
    const missing = () => literals.filter((name) => !targets.some((t) => t.queues.includes(name)));
    if (!fresh && missing().length > 0) {
      snapshot = await this.snapshot(ctx, true);
      targets = await pick(snapshot);
    }
    snapshot.notices.forEach((n) => ctx.notice('warning', n));
    if (query.system && literals.length === 0 && targets.every((t) => t.queues.length === 0)) {
      ctx.notice('warning', this.noQueuesOf(query.system, named, snapshot.where)); // rather than silent zeros
    }
    for (const t of targets.filter((t) => !t.complete)) {
      ctx.notice(
        'warning',
        `${t.system.describe}: discovery stopped early on a very large store; some queues may be missing`
      );
    }
    const unknown = missing();
    if (unknown.length > 0) {
      const text = `queue ${unknown.map((q) => `"${q}"`).join(', ')} not found${snapshot.notFound}`;
      if (unknown.length === named.length) {
        throw notFound(text);
      }
      ctx.notice('warning', text);
    }
    return targets;
  }

  /** Why a query restricted to `system` found nothing: another kind's system, or none of its queues here. */
  private noQueuesOf(system: JobSystemId, patterns: string[], where: string): string {
    const d = descriptorOf(system);
    const name = d?.name ?? system;
    if (d && d.kind !== this.kind.id) {
      return `${name} is read by a ${KIND_NAMES[d.kind]} data source; this one is ${KIND_NAMES[this.kind.id]}`;
    }
    const matching = patterns.length > 0 ? ` matching ${patterns.map((p) => `"${p}"`).join(', ')}` : '';
    return `no ${name} queues${matching} found (looked in ${where})`;
  }

  async checkHealth(): Promise<HealthReport> {
    const notices: Notice[] = [];
    const now = Date.now();
    const base = this.base({ from: now - 3600_000, to: now, now, intervalMs: 60_000 }, 0, notices);
    return this.kind.session(base, async (ctx) => {
      const server = await this.kind.server(ctx);
      const found = await this.targets({}, ctx, true);
      const systems: Record<string, number> = {};
      for (const t of found.filter((t) => t.queues.length > 0 || t.detected)) {
        systems[t.system.id] = (systems[t.system.id] ?? 0) + t.queues.length;
      }
      const summaries = await this.each(
        found.filter((t) => t.queues.length > 0),
        async (t) => summary(t.system.describe, t.queues.length, await t.system.overview(ctx, t.queues))
      );
      // Adapters' info notices explain the numbers of a query; health keeps warnings only.
      const warnings = notices.filter((n) => n.severity !== 'info').map((n) => n.text);
      return { server: server.name, systems, notices: [...(server.notices ?? []), ...summaries, ...warnings] };
    });
  }

  async listQueues(): Promise<QueueRef[]> {
    const now = Date.now();
    return this.kind.session(this.base({ from: now, to: now, now, intervalMs: 0 }, 0, []), async (ctx) => {
      const targets = await this.targets({}, ctx);
      return targets.flatMap((t) => t.queues.map((queue) => ({ system: t.system.id, queue })));
    });
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    const notices: Notice[] = [];
    const costs: string[] = [];
    const named = (query.queues ?? []).filter((q) => !isGlob(q));
    const base = this.base(window, query.limit ?? DEFAULT_LIST_LIMIT, notices, {
      named,
      costs,
      metrics: query.metrics,
    });
    return this.kind.session(base, async (ctx) => {
      const targets = (await this.targets(query, ctx)).filter((t) => t.queues.length > 0);
      const read =
        targets.map((t) => `${t.system.describe}: ${t.queues.length} queue(s)`).join('; ') || 'no matching queues';
      // Called after the systems ran: what they said their reads cost comes last.
      const executed = (what = '') => [read + what, ...costs].join('; ');
      const each = async <T>(fn: (system: JobSystem<C>, queues: string[]) => Promise<T[]>) =>
        (
          await this.each(targets, async (t) =>
            (await fn(t.system, t.queues)).map((row) => ({ ...row, system: t.system.id }))
          )
        ).flat();
      switch (query.queryType ?? 'overview') {
        case 'overview': {
          const stats = await each((s, q) => s.overview(ctx, q));
          return { type: 'overview', stats, notices, executed: executed() };
        }
        case 'timeseries': {
          const series = (await this.each(targets, (t) => t.system.throughput(ctx, t.queues))).flat();
          return { type: 'timeseries', series, notices, executed: executed() };
        }
        case 'failures': {
          const groups = (await each((s, q) => s.failures(ctx, q))).sort((a, b) => b.count - a.count);
          return { type: 'failures', groups: groups.slice(0, ctx.limit), notices, executed: executed() };
        }
        case 'jobs': {
          const states = new Set<string>();
          const rows = await each((s, q) => {
            // Without a state, the system's own default (the catalogue's).
            const state = query.state ?? descriptorOf(s.id)?.defaultJobState ?? 'failed';
            states.add(state);
            return s.jobs(ctx, q, { state, search: query.search });
          });
          // Each system lists in its own order; rows of several systems merge newest first.
          if (targets.length > 1) {
            rows.sort(newestFirst);
          }
          const what = [...states].join(', ') || query.state || 'no';
          return { type: 'jobs', rows: rows.slice(0, ctx.limit), notices, executed: executed(`; ${what} jobs`) };
        }
        case 'workers': {
          const rows = await each((s, q) => s.workers(ctx, q));
          return { type: 'workers', rows, notices, executed: executed() };
        }
        default:
          throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
      }
    });
  }

  close(): Promise<void> {
    return this.kind.close();
  }
}

/** "pg-boss in schema "pgboss": 3 queue(s), 3 waiting, 2 active, 2 failed", with what the system counts. */
function summary(describe: string, queues: number, stats: Array<{ values: Partial<Record<string, number>> }>): string {
  const parts = [`${queues} queue(s)`];
  for (const [metric, word] of [
    ['wait', 'waiting'],
    ['active', 'active'],
    ['failed', 'failed'],
  ] as const) {
    const values = stats.map((s) => s.values[metric]).filter((v): v is number => v !== undefined);
    if (values.length > 0) {
      parts.push(`${values.reduce((a, b) => a + b, 0)} ${word}`);
    }
  }
  return `${describe}: ${parts.join(', ')}`;
}
