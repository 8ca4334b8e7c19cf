/**
 * Oban (Elixir, oban-bg/oban; migrations lib/oban/migrations/postgres/v01–v14, Oban 2.23):
 * table `oban_jobs` (state enum oban_job_state) and `oban_peers` (the elected leader per
 * Oban instance). Timestamps are `utc_datetime_usec`: timestamp WITHOUT time zone holding
 * UTC, so every comparison converts with `AT TIME ZONE 'UTC'`. A Jobscope queue is Oban's
 * `queue` column.
 *
 * Rules, from Oban's own code (lib/oban/engines/basic.ex, lib/oban/lifeline.ex):
 * - wait: `available`; delayed: `scheduled` and `retryable` (error_job sets retryable with a
 *   future scheduled_at; the stager makes both available when due); retries: `retryable`;
 * - oldest_wait_seconds: the oldest `available` job, from greatest(inserted_at, scheduled_at);
 * - active: `executing`; stalled, the part of them with attempted_at older than 60 min, the
 *   Lifeline plugin's default rescue_after (rescue_jobs makes them available or discarded);
 * - failed = dead: `discarded` (discard_job, attempts used up); `cancelled` is not a failure;
 * - waiting_children: `suspended` (migration v14, Oban 2.21; in v01's enum for installs from
 *   2.21 on): Oban's own words (Oban.Job.states/0, guides/upgrading/v2.21.md) are "held and
 *   won't be processed until they are resumed"; "not used directly by Oban itself, it enables
 *   Pro workflows to efficiently defer job execution" (a job held until its upstream jobs
 *   finish); Oban's engine_test inserts one with state: "suspended". Not runnable and not
 *   waiting for a time, so neither wait nor delayed: held until other jobs finish, which is
 *   waiting_children, as River's `pending`. Listed with the delayed jobs (their state column
 *   says suspended; a notice says so), the one list of jobs not yet runnable. An enum before
 *   v14 has no such value (comparing with it would be an error): no count, a notice.
 * - errors jsonb[] gets one {at, attempt, error} per failure, `error` being
 *   Exception.format/3 text: "** (RuntimeError) message\n    stack…".
 * - completed: completed_at inside the time range, for rows the Pruner has not deleted yet
 *   (its default max_age is 60 s: completed counts are short-lived unless it is configured).
 * Cost: one statement per method. The live part reads Oban's own
 * `oban_jobs_state_queue_priority_scheduled_at_id_index`; discarded in range reads
 * `oban_jobs_state_discarded_at_index` (v13); no index has completed_at, so the completed
 * count reads the queue's completed rows, which the Pruner bounds (by max_age).
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident } from '../../connection';
import {
  bucketSeries,
  groupSampledFailures,
  instant,
  MAX_FAILURE_SAMPLES,
  ms,
  NOW_UTC,
  num,
  payloadFromPrefix,
  type PgJobsOptions,
  type PgJobSystem,
  type PgReadContext,
  queuesByStateSql,
  searchClause,
  statsFromRow,
  utcParam,
  discovered,
  type Discovery,
} from '../../job-system';

/** Lifeline's default rescue_after (Oban stores UTC wall-clock time, without zone). */
const STALLED = `j.state = 'executing' AND j.attempted_at < ${NOW_UTC} - interval '60 minutes'`;
const LAST_ERROR = `j.errors[cardinality(j.errors)]`;

/** Exception.format/3 output → error class and message line, stack. */
export function parseObanError(text: string | null | undefined): {
  errorClass?: string;
  message: string;
  stack?: string;
} {
  if (!text) {
    return { message: '' };
  }
  const [first, ...rest] = text.split('\n');
  const m = /^\*\* \(([^)]+)\) ?(.*)$/.exec(first);
  return { errorClass: m?.[1], message: m ? m[2] : first, stack: rest.length > 0 ? text : undefined };
}

export class Oban implements PgJobSystem {
  readonly id = 'oban' as const;
  readonly describe: string;
  private readonly s: string;

  /** `hasSuspended`: oban_job_state has `suspended` (migration v14). */
  constructor(
    readonly schema: string,
    private readonly hasPeers = true,
    private readonly hasSuspended = true
  ) {
    this.s = ident(schema);
    this.describe = `Oban in schema "${schema}"`;
  }

  /** Queues jobs name: a skip scan over the (state, queue) prefix of Oban's fetch index. */
  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ name: string }>(
      `${queuesByStateSql(`${this.s}.oban_jobs`)}
       SELECT DISTINCT queue AS name FROM pairs ORDER BY name LIMIT 10000`
    );
    return discovered(rows.map((r) => r.name));
  }

  overviewSql(): string {
    const suspended = this.hasSuspended
      ? {
          count: `count(*) FILTER (WHERE j.state = 'suspended') AS waiting_children,`,
          state: `, 'suspended'`,
          out: ', l.waiting_children',
        }
      : { count: '', state: '', out: '' };
    return `
      WITH live AS (
        SELECT j.queue AS name,
          count(*) FILTER (WHERE j.state = 'available') AS wait,${suspended.count}
          count(*) FILTER (WHERE j.state IN ('scheduled', 'retryable')) AS delayed,
          count(*) FILTER (WHERE j.state = 'retryable') AS retries,
          count(*) FILTER (WHERE j.state = 'executing') AS active,
          count(*) FILTER (WHERE ${STALLED}) AS stalled,
          count(*) FILTER (WHERE j.state = 'discarded') AS failed,
          extract(epoch FROM ${NOW_UTC} - min(greatest(j.inserted_at, j.scheduled_at)) FILTER (WHERE j.state = 'available')) AS oldest
        FROM ${this.s}.oban_jobs j
        WHERE j.state IN ('available', 'scheduled', 'retryable', 'executing', 'discarded'${suspended.state}) AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      ), fin AS (
        SELECT j.queue AS name, count(*) AS failed_in_range
        FROM ${this.s}.oban_jobs j
        WHERE j.state = 'discarded' AND j.discarded_at >= ${utcParam(2)} AND j.discarded_at < ${utcParam(3)} AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      ), done AS (
        -- No index has completed_at: this reads the completed rows the Pruner kept.
        SELECT j.queue AS name, count(*) AS completed
        FROM ${this.s}.oban_jobs j
        WHERE j.state = 'completed' AND j.queue = ANY($1::text[]) AND j.completed_at >= ${utcParam(2)} AND j.completed_at < ${utcParam(3)}
        GROUP BY j.queue
      )
      SELECT q.name, l.wait, l.delayed, l.retries, l.active, l.stalled, l.failed, l.oldest${suspended.out}, coalesce(d.completed, 0) AS completed, f.failed_in_range
      FROM unnest($1::text[]) AS q(name) LEFT JOIN live l USING (name) LEFT JOIN fin f USING (name) LEFT JOIN done d USING (name)`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    ctx.notice(
      'info',
      `${this.describe}: completed counts jobs completed inside the time range that Oban's Pruner has not deleted yet (max_age 60 s by default); stalled = executing for more than 60 min (Lifeline's default rescue_after)`
    );
    ctx.notice(
      'info',
      this.hasSuspended
        ? `${this.describe}: waiting_children counts suspended jobs (held until resumed, e.g. by Oban Pro workflows until their upstream jobs finish)`
        : `${this.describe}: its oban_job_state has no suspended state (before migration v14, Oban 2.21), so waiting_children is not reported`
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    const rows = await ctx.sql(
      `SELECT * FROM (
         SELECT j.queue, j.id::text AS id, left(${LAST_ERROR}->>'error', 2000) AS error, (${LAST_ERROR}->>'at')::timestamptz AS at
         FROM ${this.s}.oban_jobs j
         WHERE j.state IN ('discarded', 'retryable') AND j.queue = ANY($1::text[]) AND cardinality(j.errors) > 0
       ) f
       WHERE f.at >= $2 AND f.at < $3
       ORDER BY f.at DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)]
    );
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => {
        const e = parseObanError(r.error);
        return { queue: r.queue, jobId: r.id, errorClass: e.errorClass, message: e.message, at: ms(r.at) };
      })
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string }> = {
    failed: { where: `j.state = 'discarded'`, order: 'j.discarded_at DESC' },
    dead: { where: `j.state = 'discarded'`, order: 'j.discarded_at DESC' },
    retry: { where: `j.state = 'retryable'`, order: 'j.scheduled_at ASC' },
    delayed: { where: `j.state IN ('scheduled', 'retryable')`, order: 'j.scheduled_at ASC' },
    waiting: { where: `j.state = 'available'`, order: 'j.scheduled_at ASC' },
    active: { where: `j.state = 'executing'`, order: 'j.attempted_at DESC' },
    stalled: { where: STALLED, order: 'j.attempted_at ASC' },
    completed: { where: `j.state = 'completed'`, order: 'j.completed_at DESC' },
  };

  /** The delayed list where the enum has `suspended`: those held jobs are listed there too. */
  private static readonly DELAYED_OR_SUSPENDED = {
    where: `j.state IN ('scheduled', 'retryable', 'suspended')`,
    order: 'j.scheduled_at ASC',
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const withSuspended = options.state === 'delayed' && this.hasSuspended;
    const f = withSuspended ? Oban.DELAYED_OR_SUSPENDED : Oban.STATE_FILTER[options.state];
    if (withSuspended) {
      ctx.notice(
        'info',
        `${this.describe}: the delayed list also holds suspended jobs (state suspended: held until resumed, counted in waiting_children, not in delayed)`
      );
    }
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    const search = searchClause(params, options.search, ['j.id::text', 'j.worker', `(${LAST_ERROR}->>'error')`]);
    const rows = await ctx.sql(
      `SELECT j.id::text AS id, j.queue, j.worker, j.state::text AS state, j.attempt,
              ${instant('j.inserted_at')} AS inserted_at, ${instant('j.attempted_at')} AS attempted_at,
              ${instant('coalesce(j.completed_at, j.discarded_at, j.cancelled_at)')} AS finished_at,
              left(${LAST_ERROR}->>'error', 8000) AS error,
              octet_length(j.args::text) AS bytes, left(j.args::text, $3) AS preview,
              left(coalesce(j.meta->>'traceparent', j.args->>'traceparent'), 64) AS traceparent
       FROM ${this.s}.oban_jobs j
       WHERE j.queue = ANY($1::text[]) AND ${f.where} ${search}
       ORDER BY ${f.order}
       LIMIT $2`,
      params
    );
    return rows.map((r) => {
      const e = parseObanError(r.error);
      return {
        queue: r.queue,
        id: r.id,
        name: r.worker,
        state: options.state === 'stalled' ? 'stalled' : r.state,
        attempts: num(r.attempt),
        createdAt: ms(r.inserted_at),
        processedAt: ms(r.attempted_at),
        finishedAt: ms(r.finished_at),
        error: r.error ? (e.errorClass ? `${e.errorClass}: ${e.message}` : e.message) : undefined,
        stacktrace: e.stack,
        payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
        traceId: traceIdFromTraceparent(r.traceparent),
      };
    });
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT queue, kind, floor((extract(epoch FROM at) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM (
         SELECT j.queue, 'completed' AS kind, ${instant('j.completed_at')} AS at FROM ${this.s}.oban_jobs j
         WHERE j.state = 'completed' AND j.queue = ANY($1::text[]) AND j.completed_at >= ${utcParam(4)} AND j.completed_at < ${utcParam(5)}
         UNION ALL
         SELECT j.queue, 'failed', ${instant('j.discarded_at')} FROM ${this.s}.oban_jobs j
         WHERE j.state = 'discarded' AND j.discarded_at >= ${utcParam(4)} AND j.discarded_at < ${utcParam(5)} AND j.queue = ANY($1::text[])
       ) t
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from), new Date(ctx.to)]
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    // attempted_by = [node, producer uuid] (basic.ex fetch_jobs); oban_peers holds the
    // leader node of each Oban instance with its lease.
    const peers = this.hasPeers
      ? `SELECT node, min(${instant('started_at')}) AS started_at, max(${instant('expires_at')}) AS expires_at FROM ${this.s}.oban_peers GROUP BY node`
      : `SELECT NULL::text AS node, NULL::timestamptz AS started_at, NULL::timestamptz AS expires_at WHERE false`;
    const rows = await ctx.sql(
      `WITH busy AS (
         SELECT j.attempted_by[1] AS node, array_agg(DISTINCT j.queue) AS queues, count(*) AS n,
                ${instant('max(j.attempted_at)')} AS last, bool_or(NOT (${STALLED})) AS fresh
         FROM ${this.s}.oban_jobs j
         WHERE j.state = 'executing' AND j.queue = ANY($1::text[])
         GROUP BY 1
       ), peers AS (${peers})
       SELECT coalesce(b.node, p.node) AS name, b.queues, b.n, b.last, b.fresh, p.started_at, p.expires_at, p.expires_at > now() AS leading
       FROM busy b FULL JOIN peers p ON p.node = b.node
       ORDER BY b.n DESC NULLS LAST, name
       LIMIT $2`,
      [queues, ctx.limit]
    );
    ctx.notice(
      'info',
      `${this.describe}: nodes are seen by the jobs they execute (attempted_by) and the leader lease (oban_peers); Oban Pro's oban_producers is not read`
    );
    return rows.map((r) => ({
      name: r.name ?? '(unknown node)',
      queues: r.queues ?? [],
      busy: num(r.n),
      lastHeartbeat: ms(r.leading ? r.expires_at : r.last),
      startedAt: ms(r.started_at),
      alive: r.leading === true || r.fresh === true,
    }));
  }
}
