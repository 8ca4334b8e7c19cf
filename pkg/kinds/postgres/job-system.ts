/**
 * PostgreSQL-based job systems (pg-boss, graphile-worker, River, Oban, Que, Solid Queue,
 * GoodJob) on the common JobSystem contract, and the SQL helpers they share. An
 * adapter only reads, through the read-only transaction it is given (`ctx.sql`), and
 * answers each method with ONE statement whatever the number of queues; every list has a
 * LIMIT, payloads are cut in SQL (`left(data::text, n)`) so a 10 MB row is never pulled.
 */
import type { PostgresSystem } from '../../model/query';
import type { FailureGroup, Payload, QueueStats } from '../../reading/rows';
import type { Discovery, JobsOptions, JobSystem, ReadContext } from '../../source/job-system';
import type { Series } from '../../reading/series';

export type { Discovery };
import type { Sql } from './connection';
import { describePayload } from '../../reading/payload';
import { FailureSample, groupFailures } from '../../reading/failure-reasons';

/** A read of the PostgreSQL kind: one read-only transaction (`sql`) beside the common context. */
export interface PgReadContext extends ReadContext {
  sql: Sql;
  /** Above this many rows to read without an index, counts come from planner statistics. */
  maxExactRows: number;
}

export type PgJobsOptions = JobsOptions;

/** A PostgreSQL job system: the common contract, one statement per method, in one schema. */
export interface PgJobSystem extends JobSystem<PgReadContext> {
  readonly id: PostgresSystem;
  /** The schema its tables are in. */
  readonly schema: string;
}

/** Queue listings stop at this many names (every discovery statement has this LIMIT). */
export const MAX_QUEUES = 10_000;

/** A discovery from a bounded queue listing. */
export const discovered = (queues: string[]): Discovery => ({ queues, complete: queues.length < MAX_QUEUES });

/** Failure samples read for grouping, newest first. */
export const MAX_FAILURE_SAMPLES = 2000;

/**
 * Groups the failure samples an adapter read (newest first, at most MAX_FAILURE_SAMPLES),
 * saying so when the cap cut them.
 */
export function groupSampledFailures(ctx: PgReadContext, describe: string, samples: FailureSample[]): FailureGroup[] {
  if (samples.length === MAX_FAILURE_SAMPLES) {
    ctx.notice('info', `${describe}: grouped the newest ${MAX_FAILURE_SAMPLES} failures in the time range`);
  }
  return groupFailures(samples, ctx.limit);
}

// Rails and Oban store timestamps as UTC wall-clock time (timestamp without time zone).
/** now() in UTC wall-clock time. */
export const NOW_UTC = `(now() AT TIME ZONE 'UTC')`;
/** A timestamptz parameter ($n) in UTC wall-clock time. */
export const utcParam = (n: number) => `($${n}::timestamptz AT TIME ZONE 'UTC')`;
/** A UTC wall-clock column read back as an instant. */
export const instant = (col: string) => `(${col} AT TIME ZONE 'UTC')`;

/**
 * The distinct queues of a job table whose fetch index starts with (state, queue): a skip
 * scan, one index probe per (state, queue) pair instead of reading every job.
 */
export function queuesByStateSql(table: string): string {
  return `WITH RECURSIVE pairs(state, queue) AS (
         (SELECT state, queue FROM ${table} ORDER BY state, queue LIMIT 1)
         UNION ALL
         SELECT n.state, n.queue FROM pairs p,
           LATERAL (SELECT state, queue FROM ${table} j WHERE (j.state, j.queue) > (p.state, p.queue) ORDER BY state, queue LIMIT 1) n
       )`;
}

/** The distinct values of an indexed column: a skip scan, one index probe per value. */
export function distinctValuesSql(table: string, column: string): string {
  return `WITH RECURSIVE t AS (
         (SELECT ${column} FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${column} LIMIT 1)
         UNION ALL
         SELECT (SELECT j.${column} FROM ${table} j WHERE j.${column} > t.${column} ORDER BY j.${column} LIMIT 1)
         FROM t WHERE t.${column} IS NOT NULL
       )
       SELECT ${column} FROM t WHERE ${column} IS NOT NULL LIMIT 10000`;
}

/**
 * A payload from a prefix cut in SQL (`left(x::text, n)`) and the stored size
 * (`octet_length(x::text)`): the preview rules of describePayload, the true size kept.
 */
export function payloadFromPrefix(
  prefix: string | null | undefined,
  bytes: number | string | null | undefined,
  limit: number
): Payload {
  if (prefix === null || prefix === undefined) {
    return describePayload(null, limit);
  }
  const size = Number(bytes) || Buffer.byteLength(prefix);
  const p = describePayload(prefix, limit);
  const truncated = p.truncated || size > Buffer.byteLength(p.preview);
  return {
    ...p,
    bytes: size,
    truncated,
    kind: truncated && p.kind === 'text' && /^\s*[[{]/.test(prefix) ? 'json' : p.kind,
  };
}

/**
 * A job list's search as SQL: `AND (<expr> ILIKE $n OR …)` over the given text expressions,
 * its pattern appended to `params` as $n; empty without a search.
 */
export function searchClause(params: unknown[], search: string | undefined, expressions: string[]): string {
  if (!search) {
    return '';
  }
  params.push(containsPattern(search));
  return `AND (${expressions.map((e) => `${e} ILIKE $${params.length}`).join(' OR ')})`;
}

/** ILIKE pattern for a case-insensitive "contains", with LIKE wildcards escaped. */
export function containsPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export const ms = (v: Date | string | number | null | undefined): number | undefined =>
  v === null || v === undefined ? undefined : new Date(v).getTime();

export const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * One row of an adapter's overview statement → QueueStats. The statements name their
 * columns alike (wait, delayed, active, stalled, failed, failed_in_range, retries, oldest
 * and, where the store keeps finished jobs, completed); failed jobs here have used up their
 * retries, so they are also the dead ones. A boolean `paused` column, where the store
 * records paused queues, is queue_paused (1 or 0).
 */
export function statsFromRow(r: Record<string, unknown>): QueueStats {
  return {
    queue: String(r.name),
    values: {
      wait: num(r.wait),
      delayed: num(r.delayed),
      active: num(r.active),
      stalled: num(r.stalled),
      ...('completed' in r ? { completed: num(r.completed) } : {}),
      ...('waiting_children' in r ? { waiting_children: num(r.waiting_children) } : {}),
      failed: num(r.failed),
      failed_in_range: num(r.failed_in_range),
      retries: num(r.retries),
      dead: num(r.failed),
      oldest_wait_seconds: r.oldest === null || r.oldest === undefined ? 0 : Math.max(0, Number(r.oldest)),
      ...('paused' in r ? { queue_paused: r.paused ? 1 : 0 } : {}),
    },
  };
}

/** Bucketed counts → one series per (queue, kind), zero-filled. */
export function bucketSeries(
  system: string,
  queues: string[],
  kinds: readonly string[],
  rows: Array<{ queue: string; kind: string; b: number; n: number | string }>,
  plan: { start: number; step: number; count: number }
): Series[] {
  const times = Array.from({ length: plan.count }, (_, b) => plan.start + b * plan.step);
  const byKey = new Map<string, number[]>();
  for (const q of queues) {
    for (const k of kinds) {
      byKey.set(JSON.stringify([q, k]), new Array<number>(plan.count).fill(0));
    }
  }
  for (const r of rows) {
    const values = byKey.get(JSON.stringify([r.queue, r.kind]));
    const b = Number(r.b);
    if (values && b >= 0 && b < plan.count) {
      values[b] += Number(r.n);
    }
  }
  return [...byKey.entries()].map(([key, values]) => {
    const [queue, metric] = JSON.parse(key) as [string, string];
    return { metric, labels: { system, queue, metric }, times, values };
  });
}
