/**
 * Que 1.x/2.x (Ruby, que-rb/que; migrations lib/que/migrations/1–7, que 2.4.1): table
 * `que_jobs` and `que_lockers` (one row per running locker process, keyed by its backend
 * pid). Que 0.x (migration < 4: `job_id`, no `finished_at`) is not read. A Jobscope queue is
 * Que's `queue` column.
 *
 * Rules, from Que's own code (lib/que/job_methods.rb, lib/que/poller.rb, migration 4's
 * que_determine_job_state):
 * - pending: finished_at IS NULL AND expired_at IS NULL; a worker holds a job by the
 *   session advisory lock pg_try_advisory_lock(id), so active = a pending job whose lock
 *   is granted in pg_locks; wait: pending, due (run_at <= now()) and not locked;
 *   delayed: pending with run_at in the future; retries: pending with error_count > 0
 *   (set_error pushes run_at by retry_interval, count^4 + 3 s by default);
 * - stalled: none: the lock dies with the worker's connection, the job is then pending again;
 * - oldest_wait_seconds: from run_at, the only time que_jobs keeps (no created_at): a job
 *   enqueued with run_at in the past counts from that run_at (the overview notice says so);
 * - failed = dead: expired_at IS NOT NULL (expire after maximum_retry_count, 15 by default);
 * - completed: finished_at in range, only for jobs that call `finish` (the default
 *   action destroys a job that succeeded);
 * - a failure keeps "Class: message" (left 500) in last_error_message; its time is
 *   expired_at for expired jobs and run_at - (error_count^4 + 3) s (the default
 *   retry_interval) for retrying ones.
 * Cost: one statement per method. Pending rows are read through Que's partial index
 * `que_poll_idx` (WHERE finished_at IS NULL AND expired_at IS NULL); expired and finished
 * rows have no index of their own (Que keeps no index on expired_at / finished_at), so those
 * parts read the rows kept as finished or expired.
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
  searchClause,
  statsFromRow,
  discovered,
  type Discovery,
} from '../../job-system';

/** Job ids whose advisory lock (pg_try_advisory_lock(bigint): classid = high, objid = low 32 bits) is held. */
const LOCKED = `(SELECT (l.classid::bigint << 32) | l.objid::bigint AS id, l.pid FROM pg_catalog.pg_locks l
  WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
    AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))`;
const PENDING = `j.finished_at IS NULL AND j.expired_at IS NULL`;
const FAILED_AT = `coalesce(j.expired_at, j.run_at - (power(j.error_count, 4) + 3) * interval '1 second')`;

/** "Class: message" as set_error stores it. */
function splitQueError(text: string | null | undefined): { errorClass?: string; message: string } {
  if (!text) {
    return { message: '' };
  }
  const m = /^([A-Z][\w:]*): ([\s\S]*)$/.exec(text);
  return m ? { errorClass: m[1], message: m[2] } : { message: text };
}

export class Que implements PgJobSystem {
  readonly id = 'que' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `Que in schema "${schema}"`;
  }

  /** Queues of pending jobs (que_poll_idx), of kept finished/expired jobs and of lockers. */
  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ name: string }>(
      `SELECT name FROM (
         SELECT DISTINCT j.queue AS name FROM ${this.s}.que_jobs j WHERE ${PENDING}
         UNION SELECT DISTINCT j.queue FROM ${this.s}.que_jobs j WHERE j.finished_at IS NOT NULL OR j.expired_at IS NOT NULL
         UNION SELECT DISTINCT unnest(queues) FROM ${this.s}.que_lockers
       ) q ORDER BY name LIMIT 10000`
    );
    return discovered(rows.map((r) => r.name));
  }

  overviewSql(): string {
    return `
      WITH locked AS ${LOCKED},
      pending AS (
        SELECT j.queue AS name,
          count(*) FILTER (WHERE j.run_at <= now() AND k.id IS NULL) AS wait,
          count(*) FILTER (WHERE j.run_at > now() AND k.id IS NULL) AS delayed,
          count(*) FILTER (WHERE j.error_count > 0 AND k.id IS NULL) AS retries,
          count(k.id) AS active,
          extract(epoch FROM now() - min(j.run_at) FILTER (WHERE j.run_at <= now() AND k.id IS NULL)) AS oldest
        FROM ${this.s}.que_jobs j LEFT JOIN locked k ON k.id = j.id
        WHERE ${PENDING} AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      ), kept AS (
        SELECT j.queue AS name,
          count(*) FILTER (WHERE j.expired_at IS NOT NULL) AS failed,
          count(*) FILTER (WHERE j.expired_at >= $2 AND j.expired_at < $3) AS failed_in_range,
          count(*) FILTER (WHERE j.finished_at >= $2 AND j.finished_at < $3 AND j.expired_at IS NULL) AS completed
        FROM ${this.s}.que_jobs j
        WHERE (j.finished_at IS NOT NULL OR j.expired_at IS NOT NULL) AND j.queue = ANY($1::text[])
        GROUP BY j.queue
      )
      SELECT q.name, p.wait, p.delayed, p.retries, p.active, 0 AS stalled, p.oldest, k.failed, k.failed_in_range, coalesce(k.completed, 0) AS completed
      FROM unnest($1::text[]) AS q(name) LEFT JOIN pending p USING (name) LEFT JOIN kept k USING (name)`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    ctx.notice(
      'info',
      `${this.describe}: completed counts only jobs kept with finish (Que destroys a job that succeeded by default); active = jobs whose advisory lock is held; Que has no stalled jobs (a lock dies with its connection); oldest_wait_seconds counts from run_at (que_jobs records no creation time)`
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    const rows = await ctx.sql(
      `SELECT j.queue, j.id::text AS id, left(j.last_error_message, 2000) AS message, ${FAILED_AT} AS at
       FROM ${this.s}.que_jobs j
       WHERE j.queue = ANY($1::text[]) AND j.error_count > 0 AND j.finished_at IS NULL AND j.last_error_message IS NOT NULL
         AND ${FAILED_AT} >= $2 AND ${FAILED_AT} < $3
       ORDER BY at DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)]
    );
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => {
        const e = splitQueError(r.message);
        return { queue: r.queue, jobId: r.id, errorClass: e.errorClass, message: e.message, at: ms(r.at) };
      })
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string } | undefined> = {
    failed: { where: `j.expired_at IS NOT NULL`, order: 'j.expired_at DESC' },
    dead: { where: `j.expired_at IS NOT NULL`, order: 'j.expired_at DESC' },
    retry: { where: `${PENDING} AND j.error_count > 0 AND k.id IS NULL`, order: 'j.run_at ASC' },
    delayed: { where: `${PENDING} AND j.run_at > now() AND k.id IS NULL`, order: 'j.run_at ASC' },
    waiting: { where: `${PENDING} AND j.run_at <= now() AND k.id IS NULL`, order: 'j.run_at ASC' },
    active: { where: `${PENDING} AND k.id IS NOT NULL`, order: 'j.run_at ASC' },
    stalled: undefined,
    completed: { where: `j.finished_at IS NOT NULL AND j.expired_at IS NULL`, order: 'j.finished_at DESC' },
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = Que.STATE_FILTER[options.state];
    if (!f) {
      ctx.notice(
        'info',
        `${this.describe}: Que has no stalled jobs (a job's advisory lock dies with its worker's connection)`
      );
      return [];
    }
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    const search = searchClause(params, options.search, ['j.id::text', 'j.job_class', 'j.last_error_message']);
    // The ActiveJob wrapper keeps the real class in args[0].job_class (migration 4's check).
    const rows = await ctx.sql(
      `WITH locked AS ${LOCKED}
       SELECT j.id::text AS id, j.queue,
              CASE j.job_class WHEN 'ActiveJob::QueueAdapters::QueAdapter::JobWrapper' THEN coalesce(j.args->0->>'job_class', j.job_class) ELSE j.job_class END AS job_class,
              j.error_count, j.run_at, j.finished_at, j.expired_at, k.id IS NOT NULL AS locked,
              left(j.last_error_message, 2000) AS message, left(j.last_error_backtrace, 8000) AS backtrace,
              octet_length(j.args::text) + octet_length(j.kwargs::text) AS bytes,
              left(CASE WHEN j.kwargs = '{}'::jsonb THEN j.args::text ELSE jsonb_build_object('args', j.args, 'kwargs', j.kwargs)::text END, $3) AS preview,
              left(coalesce(j.data->>'traceparent', j.kwargs->>'traceparent'), 64) AS traceparent
       FROM ${this.s}.que_jobs j LEFT JOIN locked k ON k.id = j.id
       WHERE j.queue = ANY($1::text[]) AND ${f.where} ${search}
       ORDER BY ${f.order}
       LIMIT $2`,
      params
    );
    return rows.map((r) => {
      const state = r.expired_at
        ? 'expired'
        : r.finished_at
          ? 'finished'
          : r.locked
            ? 'active'
            : num(r.error_count) > 0
              ? 'errored'
              : new Date(r.run_at).getTime() > Date.now()
                ? 'scheduled'
                : 'ready';
      return {
        queue: r.queue,
        id: r.id,
        name: r.job_class,
        state,
        attempts: num(r.error_count) + (r.locked ? 1 : 0),
        createdAt: undefined,
        processedAt: undefined,
        finishedAt: ms(r.expired_at ?? r.finished_at),
        error: r.message ?? undefined,
        stacktrace: r.backtrace ?? undefined,
        payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
        traceId: traceIdFromTraceparent(r.traceparent),
      };
    });
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT j.queue, CASE WHEN j.expired_at IS NOT NULL THEN 'failed' ELSE 'completed' END AS kind,
              floor((extract(epoch FROM coalesce(j.expired_at, j.finished_at)) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM ${this.s}.que_jobs j
       WHERE j.queue = ANY($1::text[]) AND coalesce(j.expired_at, j.finished_at) >= $4 AND coalesce(j.expired_at, j.finished_at) < $5
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from), new Date(ctx.to)]
    );
    ctx.notice(
      'info',
      `${this.describe}: completed jobs appear only when they call finish (the default destroys them)`
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    // A locker row lives as long as its connection (clean_lockers removes rows whose pid is
    // gone from pg_stat_activity); busy = advisory locks that connection holds on jobs.
    const rows = await ctx.sql(
      `WITH locked AS ${LOCKED}
       SELECT l.pid, l.ruby_pid, l.ruby_hostname, l.queues, l.worker_count, l.listening,
              (SELECT count(*) FROM locked k JOIN ${this.s}.que_jobs j ON j.id = k.id WHERE k.pid = l.pid AND ${PENDING}) AS busy,
              a.backend_start, a.pid IS NOT NULL AS connected
       FROM ${this.s}.que_lockers l LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
       WHERE l.queues && $1::text[]
       ORDER BY l.ruby_hostname, l.ruby_pid
       LIMIT $2`,
      [queues, ctx.limit]
    );
    return rows.map((r) => ({
      name: `${r.ruby_hostname}:${r.ruby_pid}`,
      host: r.ruby_hostname,
      pid: num(r.ruby_pid),
      queues: (r.queues ?? []).filter((q: string) => queues.includes(q)),
      busy: num(r.busy),
      concurrency: num(r.worker_count),
      startedAt: ms(r.backend_start),
      alive: r.connected === true,
    }));
  }
}
