/**
 * pg-boss 10 (schema version 21+; `queue` table, `job` partitioned by queue name, one
 * partition per queue, `archive` for finished jobs past their retention). Layout from
 * pg-boss src/plans.js (createTableJob, createIndexJobFetch, failJobs, archive).
 *
 * States (enum job_state, ordered): created < retry < active < completed < cancelled < failed.
 * - wait: created/retry with start_after <= now(); delayed: start_after > now();
 *   pg-boss's getQueueSize(name) = wait + delayed (`state < 'active'`).
 * - retries: state `retry` (failed, will run again); failed = dead: state `failed`
 *   (pg-boss only sets it once retry_count reaches retry_limit).
 * - stalled: active past started_on + expire_in (pg-boss's own failJobsByTimeout rule).
 * Cost: the ready part reads each queue partition's partial index `<partition>_i5`
 * (name, start_after) WHERE state < 'active'; the rest reads active and finished rows of the
 * queried partitions only (runtime partition pruning), never the archive; `completed` and
 * `failed_in_range` are bounded by the query's time range.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../rows';
import type { Series } from '../../frames/dataplane';
import { groupFailures } from '../failure-reasons';
import { traceIdFromTraceparent } from '../payload';
import { buckets } from '../buckets';
import { ident } from './connection';
import {
  bucketSeries,
  containsPattern,
  MAX_FAILURE_SAMPLES,
  ms,
  num,
  statsFromRow,
  payloadFromPrefix,
  type PgJobsOptions,
  type PgJobSystem,
  type PgReadContext,
} from './job-system';

export class PgBoss implements PgJobSystem {
  readonly id = 'pg-boss' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `pg-boss in schema "${schema}"`;
  }

  /** Queues from pg-boss's own `queue` table, without its internal `__pgboss__*` queues. */
  async queues(ctx: PgReadContext): Promise<string[]> {
    const rows = await ctx.sql<{ name: string }>(
      `SELECT name FROM ${this.s}.queue WHERE name NOT LIKE '\\_\\_pgboss\\_\\_%' ORDER BY name LIMIT 10000`,
    );
    return rows.map((r) => r.name);
  }

  overviewSql(): string {
    return `
      WITH ready AS (
        SELECT name,
          count(*) FILTER (WHERE start_after <= now()) AS wait,
          count(*) FILTER (WHERE start_after > now()) AS delayed,
          count(*) FILTER (WHERE state = 'retry') AS retries,
          extract(epoch FROM now() - min(start_after) FILTER (WHERE start_after <= now())) AS oldest
        FROM ${this.s}.job
        WHERE name = ANY($1::text[]) AND state < 'active'
        GROUP BY name
      ), later AS (
        SELECT name,
          count(*) FILTER (WHERE state = 'active') AS active,
          count(*) FILTER (WHERE state = 'active' AND started_on + expire_in < now()) AS stalled,
          count(*) FILTER (WHERE state = 'completed' AND completed_on >= $2 AND completed_on < $3) AS completed,
          count(*) FILTER (WHERE state = 'failed') AS failed,
          count(*) FILTER (WHERE state = 'failed' AND completed_on >= $2 AND completed_on < $3) AS failed_in_range
        FROM ${this.s}.job
        WHERE name = ANY($1::text[]) AND state >= 'active'
        GROUP BY name
      )
      SELECT q.name, r.wait, r.delayed, r.retries, r.oldest, l.active, l.stalled, l.completed, l.failed, l.failed_in_range
      FROM unnest($1::text[]) AS q(name) LEFT JOIN ready r USING (name) LEFT JOIN later l USING (name)`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    ctx.notice(
      'info',
      `${this.describe}: completed counts jobs completed inside the time range that pg-boss has not archived yet (archive is not read); failed counts failed jobs not archived yet; no worker registry (workers not recorded)`,
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    // Finished failures in range, from the live table and the archive (its index on
    // archived_on bounds the read: a job is archived after it completed).
    const rows = await ctx.sql(
      `SELECT name, id::text AS id, completed_on,
              left(coalesce(output->>'message', output#>>'{value,message}', output::text), 2000) AS message,
              left(output->>'name', 200) AS error_class
       FROM (
         SELECT name, id, completed_on, output FROM ${this.s}.job
         WHERE name = ANY($1::text[]) AND state = 'failed' AND completed_on >= $2 AND completed_on < $3
         UNION ALL
         SELECT name, id, completed_on, output FROM ${this.s}.archive
         WHERE archived_on >= $2 AND name = ANY($1::text[]) AND state = 'failed' AND completed_on >= $2 AND completed_on < $3
       ) f
       ORDER BY completed_on DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)],
    );
    if (rows.length === MAX_FAILURE_SAMPLES) {
      ctx.notice('info', `${this.describe}: grouped the newest ${MAX_FAILURE_SAMPLES} failures in the time range`);
    }
    return groupFailures(
      rows.map((r) => ({ queue: r.name, jobId: r.id, errorClass: r.error_class ?? undefined, message: r.message ?? '', at: ms(r.completed_on) })),
      ctx.limit,
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string }> = {
    failed: { where: `state = 'failed'`, order: 'completed_on DESC NULLS LAST' },
    dead: { where: `state = 'failed'`, order: 'completed_on DESC NULLS LAST' },
    retry: { where: `state = 'retry'`, order: 'created_on DESC' },
    delayed: { where: `state < 'active' AND start_after > now()`, order: 'start_after ASC' },
    waiting: { where: `state < 'active' AND start_after <= now()`, order: 'created_on DESC' },
    active: { where: `state = 'active'`, order: 'started_on DESC' },
    stalled: { where: `state = 'active' AND started_on + expire_in < now()`, order: 'started_on ASC' },
    completed: { where: `state = 'completed'`, order: 'completed_on DESC NULLS LAST' },
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = PgBoss.STATE_FILTER[options.state];
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    let search = '';
    if (options.search) {
      params.push(containsPattern(options.search));
      search = `AND (id::text ILIKE $4 OR name ILIKE $4 OR output::text ILIKE $4)`;
    }
    const rows = await ctx.sql(
      `SELECT id::text AS id, name, state::text AS state, retry_count, created_on, started_on, completed_on,
              left(coalesce(output->>'message', output#>>'{value,message}'), 2000) AS message,
              left(output->>'stack', 8000) AS stack,
              octet_length(data::text) AS bytes, left(data::text, $3) AS preview,
              left(data->>'traceparent', 64) AS traceparent
       FROM ${this.s}.job
       WHERE name = ANY($1::text[]) AND ${f.where} ${search}
       ORDER BY ${f.order}
       LIMIT $2`,
      params,
    );
    return rows.map((r) => ({
      queue: r.name,
      id: r.id,
      name: r.name,
      state: options.state === 'stalled' ? 'stalled' : r.state,
      attempts: num(r.retry_count) + (r.started_on ? 1 : 0),
      createdAt: ms(r.created_on),
      processedAt: ms(r.started_on),
      finishedAt: ms(r.completed_on),
      error: r.message ?? undefined,
      stacktrace: r.stack ?? undefined,
      payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
      traceId: traceIdFromTraceparent(r.traceparent),
    }));
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT name AS queue, state::text AS kind,
              floor((extract(epoch FROM completed_on) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM (
         SELECT name, state, completed_on FROM ${this.s}.job
         WHERE name = ANY($1::text[]) AND state IN ('completed', 'failed') AND completed_on >= $4 AND completed_on < $5
         UNION ALL
         SELECT name, state, completed_on FROM ${this.s}.archive
         WHERE archived_on >= $4 AND name = ANY($1::text[]) AND state IN ('completed', 'failed') AND completed_on >= $4 AND completed_on < $5
       ) t
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from), new Date(ctx.to)],
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  async workers(ctx: PgReadContext): Promise<WorkerRow[]> {
    ctx.notice('info', `${this.describe}: pg-boss keeps no worker registry in the database`);
    return [];
  }
}
