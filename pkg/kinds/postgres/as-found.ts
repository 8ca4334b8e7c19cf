/**
 * A PostgreSQL job system as the generic source sees it:
 * - job lists newest first (by when a job finished, else when it was made), as this kind has
 *   always listed them, whatever order a statement reads in;
 * - in a database where the same system lives in several schemas, its queue names, in and
 *   out, carry `<schema>/` (two pg-boss schemas may both have a queue "emails", and every
 *   series needs labels of its own).
 */
import type { JobSystem } from '../../source/job-system';
import type { PgJobSystem, PgReadContext } from './job-system';

/** A row's queue name(s) with the prefix. */
function qualified<T>(row: T, prefix: string): T {
  const r = row as { queue?: unknown; queues?: unknown; labels?: Record<string, string> };
  return {
    ...row,
    ...(typeof r.queue === 'string' ? { queue: prefix + r.queue } : {}),
    ...(Array.isArray(r.queues) ? { queues: r.queues.map((q) => prefix + q) } : {}),
    ...(r.labels?.queue !== undefined ? { labels: { ...r.labels, queue: prefix + r.labels.queue } } : {}),
  };
}

const when = (r: { finishedAt?: number; createdAt?: number }) => r.finishedAt ?? r.createdAt ?? 0;

export function asFound(system: PgJobSystem, prefix: string): JobSystem<PgReadContext> {
  const own = (queues: string[]) => (prefix ? queues.map((q) => q.slice(prefix.length)) : queues);
  const out = <T>(rows: T[]) => (prefix ? rows.map((r) => qualified(r, prefix)) : rows);
  return {
    id: system.id,
    describe: system.describe,
    discover: async (ctx) => {
      const d = await system.discover(ctx);
      return prefix ? { ...d, queues: d.queues.map((q) => prefix + q) } : d;
    },
    overview: async (ctx, queues) => out(await system.overview(ctx, own(queues))),
    failures: async (ctx, queues) => out(await system.failures(ctx, own(queues))),
    jobs: async (ctx, queues, options) =>
      out((await system.jobs(ctx, own(queues), options)).sort((a, b) => when(b) - when(a))),
    throughput: async (ctx, queues) => out(await system.throughput(ctx, own(queues))),
    workers: async (ctx, queues) => out(await system.workers(ctx, own(queues))),
  };
}
