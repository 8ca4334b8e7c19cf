/**
 * A PostgreSQL job system found in several schemas of one database: its queue names, in
 * and out, carry `<schema>/` (two pg-boss schemas may both have a queue "emails", and every
 * series needs labels of its own). Without a prefix the system is returned as it is.
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

export function schemaQualified(system: PgJobSystem, prefix: string): JobSystem<PgReadContext> {
  if (!prefix) {
    return system;
  }
  const own = (queues: string[]) => queues.map((q) => q.slice(prefix.length));
  const out = <T>(rows: T[]) => rows.map((r) => qualified(r, prefix));
  return {
    id: system.id,
    describe: system.describe,
    discover: async (ctx) => {
      const d = await system.discover(ctx);
      return { ...d, queues: d.queues.map((q) => prefix + q) };
    },
    overview: async (ctx, queues) => out(await system.overview(ctx, own(queues))),
    failures: async (ctx, queues) => out(await system.failures(ctx, own(queues))),
    jobs: async (ctx, queues, options) => out(await system.jobs(ctx, own(queues), options)),
    throughput: async (ctx, queues) => out(await system.throughput(ctx, own(queues))),
    workers: async (ctx, queues) => out(await system.workers(ctx, own(queues))),
  };
}
