/**
 * River (Go, riverqueue/river; migration line `main` 001–008 from
 * riverdriver/riverpgxv5/migration/main, checked against River v0.51.1): table `river_job`
 * (state enum river_job_state), `river_queue` (paused_at), `river_leader` (the elected
 * maintenance leader). A Jobscope queue is River's `queue` column.
 *
 * Rules, from River's own code:
 * - wait: `available`; delayed: `scheduled` and `retryable` (both wait for scheduled_at;
 *   River's scheduler moves them to available); retries: `retryable` (failed, attempts left);
 * - oldest_wait_seconds: the oldest `available` job, from greatest(created_at, scheduled_at)
 *   (when it became runnable: a scheduled_at in the past does not add to its wait);
 * - active: `running`; stalled, the part of them running for more than 1 h since attempted_at, River's
 *   default RescueStuckJobsAfter (internal/maintenance/job_rescuer.go): its rescuer would
 *   retry or discard them;
 * - failed = dead: `discarded` (attempts used up, or JobCancel is `cancelled`, not counted);
 * - waiting_children: `pending` (held until something outside makes them available, e.g.
 *   workflow dependencies: InsertOpts.Pending);
 * - completed / failed_in_range: finalized_at inside the time range;
 * - errors jsonb[] holds one {at, attempt, error, trace} per failed attempt: the last one
 *   is the job's reason.
 * Cost: one statement per method. The live part reads River's fetch index
 * `river_job_prioritized_fetching_index (state, queue, priority, scheduled_at, id)` for the
 * backlog states; finished rows through `river_job_state_and_finalized_at_index (state,
 * finalized_at)` bounded by the time range. Discarded rows are counted whole: River's job
 * cleaner deletes them after 7 days (completed and cancelled after 24 h) by default.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident } from '../../connection';
import {
  bucketSeries,
  groupSampledFailures,
  MAX_FAILURE_SAMPLES,
  ms,
  num,
  payloadFromPrefix,
  type PgJobsOptions,
  type PgJobSystem,
  type PgReadContext,
  queuesByStateSql,
  searchClause,
  statsFromRow,
  discovered,
  type Discovery,
} from '../../job-system';

/** River's default RescueStuckJobsAfter. */
export const RIVER_RESCUE_AFTER = `interval '1 hour'`;
const STALLED = `j.state = 'running' AND j.attempted_at < now() - ${RIVER_RESCUE_AFTER}`;
const LAST_ERROR = `j.errors[cardinality(j.errors)]`;

export class River implements PgJobSystem {
  readonly id = 'river' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `River in schema "${schema}"`;
  }

  /**
   * Queues River's producers registered (`river_queue`) and those jobs name: a skip scan
   * over the (state, queue) prefix of the fetch index, one index probe per pair.
   */
  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ name: string }>(
      `${queuesByStateSql(`${this.s}.river_job`)}
       SELECT name FROM (SELECT queue AS name FROM pairs UNION SELECT name FROM ${this.s}.river_queue) q
       ORDER BY name LIMIT 10000`
    );
    return discovered(rows.map((r) => r.name));
  }

  overviewSql(): string {
    return `
      WITH live AS (
        SELECT j.queue AS name,
          count(*) FILTER (WHERE j.state = 'available') AS wait,
          count(*) FILTER (WHERE j.state IN ('scheduled', 'retryable')) AS delayed,
          count(*) FILTER (WHERE j.state = 'retryable') AS retries,
          count(*) FILTER (WHERE j.state = 'running') AS active,
          count(*) FILTER (WHERE ${STALLED}) AS stalled,
          count(*) FILTER (WHERE j.state = 'discarded') AS failed,
          count(*) FILTER (WHERE j.state = 'pending') AS waiting_children,
          extract(epoch FROM now() - min(greatest(j.created_at, j.scheduled_at)) FILTER (WHERE j.state = 'available')) AS oldest
        FROM ${this.s}.river_job j
        WHERE j.state IN ('available', 'scheduled', 'retryable', 'running', 'discarded', 'pending') AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      ), fin AS (
        SELECT j.queue AS name,
          count(*) FILTER (WHERE j.state = 'completed') AS completed,
          count(*) FILTER (WHERE j.state = 'discarded') AS failed_in_range
        FROM ${this.s}.river_job j
        WHERE j.state IN ('completed', 'discarded') AND j.finalized_at >= $2 AND j.finalized_at < $3 AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      )
      SELECT q.name, l.wait, l.delayed, l.retries, l.active, l.stalled, l.failed, coalesce(l.waiting_children, 0) AS waiting_children, l.oldest,
             coalesce(f.completed, 0) AS completed, f.failed_in_range, rq.paused_at IS NOT NULL AS paused
      FROM unnest($1::text[]) AS q(name)
      LEFT JOIN live l USING (name) LEFT JOIN fin f USING (name)
      LEFT JOIN ${this.s}.river_queue rq ON rq.name = q.name`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    ctx.notice(
      'info',
      `${this.describe}: completed counts jobs finalized inside the time range that River's job cleaner has not deleted yet (24 h by default); failed counts discarded jobs still kept (7 days by default); stalled = running for more than 1 h (River's default rescue threshold)`
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    // The last attempt error of every job that failed: discarded (given up) or retryable.
    const rows = await ctx.sql(
      `SELECT * FROM (
         SELECT j.queue, j.id::text AS id, left(${LAST_ERROR}->>'error', 2000) AS message, (${LAST_ERROR}->>'at')::timestamptz AS at
         FROM ${this.s}.river_job j
         WHERE j.state IN ('discarded', 'retryable') AND j.queue = ANY($1::text[]) AND cardinality(j.errors) > 0
       ) f
       WHERE f.at >= $2 AND f.at < $3
       ORDER BY f.at DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)]
    );
    // River stores err.Error() only; no error class is recorded.
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => ({ queue: r.queue, jobId: r.id, message: r.message ?? '', at: ms(r.at) }))
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string }> = {
    failed: { where: `j.state = 'discarded'`, order: 'j.finalized_at DESC' },
    dead: { where: `j.state = 'discarded'`, order: 'j.finalized_at DESC' },
    retry: { where: `j.state = 'retryable'`, order: 'j.scheduled_at ASC' },
    delayed: { where: `j.state IN ('scheduled', 'retryable')`, order: 'j.scheduled_at ASC' },
    waiting: { where: `j.state = 'available'`, order: 'j.scheduled_at ASC' },
    active: { where: `j.state = 'running'`, order: 'j.attempted_at DESC' },
    stalled: { where: STALLED, order: 'j.attempted_at ASC' },
    completed: { where: `j.state = 'completed'`, order: 'j.finalized_at DESC' },
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = River.STATE_FILTER[options.state];
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    const search = searchClause(params, options.search, ['j.id::text', 'j.kind', `(${LAST_ERROR}->>'error')`]);
    const rows = await ctx.sql(
      `SELECT j.id::text AS id, j.queue, j.kind, j.state::text AS state, j.attempt, j.created_at, j.attempted_at, j.finalized_at,
              left(${LAST_ERROR}->>'error', 2000) AS error, left(${LAST_ERROR}->>'trace', 8000) AS trace,
              octet_length(j.args::text) AS bytes, left(j.args::text, $3) AS preview,
              left(coalesce(j.metadata->>'traceparent', j.args->>'traceparent'), 64) AS traceparent
       FROM ${this.s}.river_job j
       WHERE j.queue = ANY($1::text[]) AND ${f.where} ${search}
       ORDER BY ${f.order}
       LIMIT $2`,
      params
    );
    return rows.map((r) => ({
      queue: r.queue,
      id: r.id,
      name: r.kind,
      state: options.state === 'stalled' ? 'stalled' : r.state,
      attempts: num(r.attempt),
      createdAt: ms(r.created_at),
      processedAt: ms(r.attempted_at),
      finishedAt: ms(r.finalized_at),
      error: r.error?.split('\n')[0] || undefined,
      stacktrace: r.trace || (r.error?.includes('\n') ? r.error : undefined),
      payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
      traceId: traceIdFromTraceparent(r.traceparent),
    }));
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT j.queue, CASE j.state WHEN 'completed' THEN 'completed' ELSE 'failed' END AS kind,
              floor((extract(epoch FROM j.finalized_at) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM ${this.s}.river_job j
       WHERE j.state IN ('completed', 'discarded') AND j.finalized_at >= $4 AND j.finalized_at < $5 AND j.queue = ANY($1::text[])
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from), new Date(ctx.to)]
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    // River keeps no client registry (migration 007 dropped river_client): clients are
    // seen by the running jobs they hold (attempted_by) and by the leader's lease.
    const rows = await ctx.sql(
      `WITH busy AS (
         SELECT j.attempted_by[cardinality(j.attempted_by)] AS client, array_agg(DISTINCT j.queue) AS queues, count(*) AS n,
                max(j.attempted_at) AS last, bool_or(j.attempted_at >= now() - ${RIVER_RESCUE_AFTER}) AS fresh
         FROM ${this.s}.river_job j
         WHERE j.state = 'running' AND j.queue = ANY($1::text[])
         GROUP BY 1
       )
       SELECT coalesce(b.client, l.leader_id) AS name, b.queues, b.n, b.last, b.fresh, l.elected_at, l.expires_at, l.expires_at > now() AS leading
       FROM busy b FULL JOIN ${this.s}.river_leader l ON l.leader_id = b.client
       ORDER BY b.n DESC NULLS LAST, name
       LIMIT $2`,
      [queues, ctx.limit]
    );
    ctx.notice(
      'info',
      `${this.describe}: clients are seen by the jobs they run (attempted_by) and the leader lease (river_leader); idle non-leader clients are not recorded`
    );
    return rows.map((r) => ({
      name: r.name ?? '(unknown client)',
      queues: r.queues ?? [],
      busy: num(r.n),
      lastHeartbeat: ms(r.leading ? r.expires_at : r.last),
      startedAt: ms(r.elected_at),
      alive: r.leading === true || r.fresh === true,
    }));
  }
}
