/**
 * graphile-worker 0.16+ (tables `_private_jobs`, `_private_tasks`, `_private_job_queues`,
 * view `jobs`; src/sql migrations 000011+). A Jobscope queue is a task identifier (what
 * a job runs); graphile-worker's named queues only serialise jobs.
 *
 * Rules, from graphile-worker's own SQL:
 * - a job is runnable when `is_available` (locked_at IS NULL AND attempts < max_attempts):
 *   wait when run_at <= now(), delayed otherwise (index `jobs_main_index` WHERE is_available);
 * - retries: runnable jobs that failed before (attempts > 0);
 *   oldest_wait_seconds counts from greatest(created_at, run_at), when the job became runnable;
 * - active: locked; stalled, the part of them locked for more than 4 hours (resetLockedAt.js
 *   frees them);
 * - failed = dead: attempts >= max_attempts, kept in the table forever;
 * - a job that succeeds is deleted: completed counts are not recorded.
 * - failJobs.js sets run_at = greatest(now(), run_at) + exp(least(attempts, 10)) s and
 *   does not touch updated_at, so a failure's time is run_at - exp(least(attempts, 10)) s.
 * The table holds only pending and failed jobs, so each read is bounded by the backlog.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident } from '../../connection';
import {
  bucketSeries,
  MAX_FAILURE_SAMPLES,
  ms,
  num,
  payloadFromPrefix,
  type PgJobsOptions,
  type PgJobSystem,
  type PgReadContext,
  searchClause,
  statsFromRow,
  discovered,
  type Discovery,
} from '../../job-system';

const FAILED_AT = `(j.run_at - exp(least(j.attempts, 10)) * interval '1 second')`;
const STALLED = `j.locked_at < now() - interval '4 hours'`;

export class GraphileWorker implements PgJobSystem {
  readonly id = 'graphile-worker' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `graphile-worker in schema "${schema}"`;
  }

  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ identifier: string }>(
      `SELECT identifier FROM ${this.s}._private_tasks ORDER BY identifier LIMIT 10000`
    );
    return discovered(rows.map((r) => r.identifier));
  }

  overviewSql(): string {
    return `
      WITH t AS (SELECT id, identifier FROM ${this.s}._private_tasks WHERE identifier = ANY($1::text[])),
      ready AS (
        SELECT j.task_id,
          count(*) FILTER (WHERE j.run_at <= now()) AS wait,
          count(*) FILTER (WHERE j.run_at > now()) AS delayed,
          extract(epoch FROM now() - min(greatest(j.created_at, j.run_at)) FILTER (WHERE j.run_at <= now())) AS oldest
        FROM ${this.s}._private_jobs j
        WHERE j.is_available = true AND j.task_id IN (SELECT id FROM t)
        GROUP BY j.task_id
      ), other AS (
        SELECT j.task_id,
          count(*) FILTER (WHERE j.locked_at IS NULL AND j.attempts > 0 AND j.attempts < j.max_attempts) AS retries,
          count(*) FILTER (WHERE j.locked_at IS NOT NULL) AS active,
          count(*) FILTER (WHERE ${STALLED}) AS stalled,
          count(*) FILTER (WHERE j.locked_at IS NULL AND j.attempts >= j.max_attempts) AS failed,
          count(*) FILTER (WHERE j.locked_at IS NULL AND j.attempts >= j.max_attempts AND ${FAILED_AT} >= $2 AND ${FAILED_AT} < $3) AS failed_in_range
        FROM ${this.s}._private_jobs j
        WHERE j.task_id IN (SELECT id FROM t) AND (j.is_available = false OR j.attempts > 0)
        GROUP BY j.task_id
      )
      SELECT q.name, r.wait, r.delayed, r.oldest, o.retries, o.active, o.stalled, o.failed, o.failed_in_range
      FROM unnest($1::text[]) AS q(name)
      LEFT JOIN t ON t.identifier = q.name
      LEFT JOIN ready r ON r.task_id = t.id
      LEFT JOIN other o ON o.task_id = t.id`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    ctx.notice(
      'info',
      `${this.describe}: completed jobs are deleted by graphile-worker (completed not recorded); workers are not registered`
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    // Every job that failed at least once keeps its last error, retrying or given up.
    const rows = await ctx.sql(
      `SELECT t.identifier AS queue, j.id::text AS id, left(j.last_error, 2000) AS message, ${FAILED_AT} AS at
       FROM ${this.s}._private_jobs j JOIN ${this.s}._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = ANY($1::text[]) AND j.last_error IS NOT NULL AND ${FAILED_AT} >= $2 AND ${FAILED_AT} < $3
       ORDER BY at DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)]
    );
    return groupFailures(
      rows.map((r) => {
        // last_error is the thrown error's message (worker.js); no class is recorded.
        return { queue: r.queue, jobId: r.id, message: r.message ?? '', at: ms(r.at) };
      }),
      ctx.limit
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string } | undefined> = {
    failed: { where: `j.locked_at IS NULL AND j.attempts >= j.max_attempts`, order: 'j.run_at DESC' },
    dead: { where: `j.locked_at IS NULL AND j.attempts >= j.max_attempts`, order: 'j.run_at DESC' },
    retry: { where: `j.locked_at IS NULL AND j.attempts > 0 AND j.attempts < j.max_attempts`, order: 'j.run_at DESC' },
    delayed: { where: `j.is_available = true AND j.run_at > now()`, order: 'j.run_at ASC' },
    waiting: { where: `j.is_available = true AND j.run_at <= now()`, order: 'j.created_at DESC' },
    active: { where: `j.locked_at IS NOT NULL`, order: 'j.locked_at DESC' },
    stalled: { where: STALLED, order: 'j.locked_at ASC' },
    completed: undefined,
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = GraphileWorker.STATE_FILTER[options.state];
    if (!f) {
      ctx.notice('info', `${this.describe}: completed jobs are deleted by graphile-worker, so none can be listed`);
      return [];
    }
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    const search = searchClause(params, options.search, ['j.id::text', 't.identifier', 'j.last_error', 'j.key']);
    const rows = await ctx.sql(
      `SELECT j.id::text AS id, t.identifier AS queue, j.key, j.attempts, j.max_attempts, j.created_at, j.locked_at, j.run_at,
              left(j.last_error, 8000) AS last_error,
              octet_length(j.payload::text) AS bytes, left(j.payload::text, $3) AS preview,
              left(j.payload->>'traceparent', 64) AS traceparent,
              CASE WHEN j.locked_at IS NULL AND j.attempts >= j.max_attempts THEN ${FAILED_AT} END AS failed_at
       FROM ${this.s}._private_jobs j JOIN ${this.s}._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = ANY($1::text[]) AND ${f.where} ${search}
       ORDER BY ${f.order}
       LIMIT $2`,
      params
    );
    return rows.map((r) => {
      const error: string | undefined = r.last_error ?? undefined;
      const firstLine = error?.split('\n')[0];
      return {
        queue: r.queue,
        id: r.id,
        name: r.key ?? r.queue,
        state: options.state,
        attempts: num(r.attempts),
        createdAt: ms(r.created_at),
        processedAt: ms(r.locked_at),
        finishedAt: ms(r.failed_at),
        error: firstLine,
        stacktrace: error && error.includes('\n') ? error : undefined,
        payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
        traceId: traceIdFromTraceparent(r.traceparent),
      };
    });
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT t.identifier AS queue, 'failed' AS kind,
              floor((extract(epoch FROM ${FAILED_AT}) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM ${this.s}._private_jobs j JOIN ${this.s}._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = ANY($1::text[]) AND j.locked_at IS NULL AND j.attempts >= j.max_attempts
         AND ${FAILED_AT} >= $4 AND ${FAILED_AT} < $5
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from), new Date(ctx.to)]
    );
    ctx.notice('info', `${this.describe}: only permanent failures have a history (completed jobs are deleted)`);
    return bucketSeries(this.id, queues, ['failed'], rows, plan);
  }

  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    // Workers are visible only by the jobs they hold (locked_by); no heartbeat table.
    const rows = await ctx.sql(
      `SELECT j.locked_by AS worker, array_agg(DISTINCT t.identifier) AS queues, count(*) AS busy, max(j.locked_at) AS last
       FROM ${this.s}._private_jobs j JOIN ${this.s}._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = ANY($1::text[]) AND j.locked_by IS NOT NULL
       GROUP BY j.locked_by
       ORDER BY last DESC
       LIMIT $2`,
      [queues, ctx.limit]
    );
    ctx.notice(
      'info',
      `${this.describe}: workers are seen only while they hold a job (locked_by); idle workers are not recorded`
    );
    return rows.map((r) => ({
      name: r.worker,
      queues: r.queues ?? [],
      busy: num(r.busy),
      lastHeartbeat: ms(r.last),
      alive: ms(r.last)! > Date.now() - 4 * 3600_000,
    }));
  }
}
