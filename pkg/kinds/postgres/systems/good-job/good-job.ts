/**
 * GoodJob 4.x (bensheldon/good_job; tables from
 * lib/generators/good_job/templates/install/migrations/create_good_jobs.rb.erb, read at
 * v4.19.2). A job is one `good_jobs` row (id = Active Job id); each attempt adds a
 * `good_job_executions` row; `good_job_processes` registers the running processes.
 *
 * States are GoodJob's own scopes (app/models/good_job/job.rb), `executions` being the
 * serialized Active Job's count (Job.params_execution_count):
 * - wait = `queued`: performed_at IS NULL AND finished_at IS NULL AND scheduled_at <= now;
 *   oldest_wait_seconds counts from greatest(created_at, scheduled_at), when it became runnable;
 * - delayed = `scheduled`: finished_at IS NULL AND scheduled_at > now AND executions < 2;
 * - retries = `retried`: finished_at IS NULL AND scheduled_at > now AND executions > 1
 *   (GoodJob lists these apart from `scheduled`, so they are not also in delayed);
 * - active = `running` (performed_at IS NOT NULL AND finished_at IS NULL); stalled, the part
 *   of them whose locking process (locked_by_id) is not active per GoodJob::Process.active: an
 *   advisory-locked process row (lock_type 0, GoodJob's default md5 lock key) or one whose
 *   record was refreshed within Process::EXPIRED_INTERVAL (5 minutes). A running job whose
 *   process is gone or expired is stalled (GoodJob marks it interrupted when it runs again);
 * - failed = dead = `discarded`: finished_at IS NOT NULL AND error IS NOT NULL;
 * - completed = `succeeded`: finished_at IS NOT NULL AND error IS NULL, in the time range,
 *   while GoodJob.preserve_job_records (default true) keeps them (cleanup after 14 days);
 * - queue_paused: the queue is listed in the `pauses` setting (good_job_settings), which
 *   GoodJob honours when enable_pauses is on.
 * Times: Rails `datetime` columns hold UTC wall-clock times (see solid-queue.ts).
 * Cost: unfinished jobs through the partial index on (queue_name, scheduled_at, id) WHERE
 * finished_at IS NULL; finished ones only inside the time range (index on finished_at WHERE
 * finished_at IS NOT NULL); discarded through index_good_jobs_on_discarded; the queue list
 * is a loose index scan over index_good_jobs_on_queue_name.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident } from '../../connection';
import {
  bucketSeries,
  distinctValuesSql,
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
  searchClause,
  statsFromRow,
  utcParam,
  discovered,
  type Discovery,
} from '../../job-system';
import { TRACEPARENT_RE } from '../solid-queue/solid-queue';

/** GoodJob::Process::EXPIRED_INTERVAL (app/models/good_job/process.rb: 5.minutes). */
export const PROCESS_EXPIRED_INTERVAL = `interval '5 minutes'`;

/** ErrorEvents enum (app/models/concerns/good_job/error_events.rb). */
export const ERROR_EVENTS = ['interrupted', 'unhandled', 'handled', 'retried', 'retry_stopped', 'discarded'] as const;

const EXECUTIONS = `(j.serialized_params->>'executions')::integer`;

/** GoodJob::AdvisoryLockable's default key (hash_function "md5") for a process row, as pg_locks shows it. */
function lockKey(idSql: string): string {
  const big = `('x' || substr(md5('good_job_processes-' || ${idSql}::text), 1, 16))::bit(64)`;
  return `l.classid = substring(${big} from 1 for 32)::bit(32)::int::oid AND l.objid = substring(${big} from 33 for 32)::bit(32)::int::oid`;
}

/** Process.active: advisory-locked (lock_type advisory = 0) or, without a lock type, refreshed recently. */
const PROCESS_ACTIVE = (p: string) =>
  `((${p}.lock_type = 0 AND EXISTS (SELECT 1 FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND ${lockKey(`${p}.id`)}))
    OR (${p}.lock_type IS NULL AND ${p}.updated_at > ${NOW_UTC} - ${PROCESS_EXPIRED_INTERVAL}))`;

/** "Class: message" (Job.format_error, ERROR_MESSAGE_SEPARATOR) → class and message. */
export function splitGoodJobError(error: string | null | undefined): { errorClass?: string; message: string } {
  if (!error) {
    return { message: '' };
  }
  const line = error.split('\n')[0];
  const i = line.indexOf(': ');
  if (i > 0 && /^[A-Z][\w:]*$/.test(line.slice(0, i))) {
    return { errorClass: line.slice(0, i), message: error.slice(i + 2) };
  }
  return { message: error };
}

export class GoodJob implements PgJobSystem {
  readonly id = 'good-job' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `GoodJob in schema "${schema}"`;
  }

  private get jobsTable(): string {
    return `${this.s}.good_jobs`;
  }

  private liveCte(): string {
    return `live AS (SELECT p.id FROM ${this.s}.good_job_processes p WHERE ${PROCESS_ACTIVE('p')})`;
  }

  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ queue_name: string }>(distinctValuesSql(this.jobsTable, 'queue_name'));
    return discovered(rows.map((r) => r.queue_name));
  }

  /** $1 queues, $2 from, $3 to. */
  overviewSql(): string {
    const from = utcParam(2);
    const to = utcParam(3);
    return `
      WITH ${this.liveCte()},
      unfinished AS (
        SELECT j.queue_name AS name,
          count(*) FILTER (WHERE j.performed_at IS NULL AND j.scheduled_at <= ${NOW_UTC}) AS wait,
          extract(epoch FROM ${NOW_UTC} - min(greatest(j.created_at, j.scheduled_at)) FILTER (WHERE j.performed_at IS NULL AND j.scheduled_at <= ${NOW_UTC})) AS oldest,
          count(*) FILTER (WHERE j.scheduled_at > ${NOW_UTC} AND ${EXECUTIONS} < 2) AS delayed,
          count(*) FILTER (WHERE j.scheduled_at > ${NOW_UTC} AND ${EXECUTIONS} > 1) AS retries,
          count(*) FILTER (WHERE j.performed_at IS NOT NULL) AS active,
          count(*) FILTER (WHERE j.performed_at IS NOT NULL AND (j.locked_by_id IS NULL OR j.locked_by_id NOT IN (SELECT id FROM live))) AS stalled
        FROM ${this.jobsTable} j
        WHERE j.finished_at IS NULL AND j.queue_name = ANY($1::text[])
        GROUP BY j.queue_name
      ), finished AS (
        SELECT queue_name AS name,
          count(*) FILTER (WHERE error IS NULL) AS completed,
          count(*) FILTER (WHERE error IS NOT NULL) AS failed_in_range
        FROM ${this.jobsTable}
        WHERE finished_at IS NOT NULL AND finished_at >= ${from} AND finished_at < ${to} AND queue_name = ANY($1::text[])
        GROUP BY queue_name
      ), discarded AS (
        SELECT queue_name AS name, count(*) AS failed
        FROM ${this.jobsTable}
        WHERE finished_at IS NOT NULL AND error IS NOT NULL AND queue_name = ANY($1::text[])
        GROUP BY queue_name
      )
      SELECT q.name, u.wait, u.oldest, u.delayed, u.retries, u.active, u.stalled,
        coalesce(f.completed, 0) AS completed, f.failed_in_range, d.failed,
        EXISTS (SELECT 1 FROM ${this.s}.good_job_settings st WHERE st.key = 'pauses' AND st.value->'queues' ? q.name) AS paused
      FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
      LEFT JOIN unfinished u USING (name) LEFT JOIN finished f USING (name) LEFT JOIN discarded d USING (name)
      ORDER BY q.ord`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    const rows = await ctx.sql(this.overviewSql(), [
      queues,
      new Date(ctx.from).toISOString(),
      new Date(ctx.to).toISOString(),
    ]);
    ctx.notice(
      'info',
      `${this.describe}: completed and failed count job records GoodJob keeps (preserve_job_records, cleaned up after 14 days by default); ` +
        `states follow GoodJob's scopes (retried jobs are not counted in delayed)`
    );
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    // Every job holding an error: discarded (finished) and retrying ones (unfinished, the
    // error of their last attempt); the time is when it finished, or its last update.
    const at = `coalesce(j.finished_at, j.updated_at)`;
    const rows = await ctx.sql(
      `SELECT j.queue_name AS queue, j.id::text AS id, ${instant(at)} AS at, left(j.error, 2000) AS error
       FROM ${this.jobsTable} j
       WHERE (j.finished_at IS NULL OR j.error IS NOT NULL) AND j.error IS NOT NULL AND j.queue_name = ANY($1::text[])
         AND ${at} >= ${utcParam(2)} AND ${at} < ${utcParam(3)}
       ORDER BY ${at} DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from).toISOString(), new Date(ctx.to).toISOString()]
    );
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => ({ queue: r.queue, jobId: r.id, ...splitGoodJobError(r.error), at: ms(r.at) }))
    );
  }

  private static readonly STATE_FILTER: Record<PgJobsOptions['state'], { where: string; order: string }> = {
    waiting: {
      where: `j.finished_at IS NULL AND j.performed_at IS NULL AND j.scheduled_at <= ${NOW_UTC}`,
      order: 'j.scheduled_at ASC',
    },
    delayed: {
      where: `j.finished_at IS NULL AND j.scheduled_at > ${NOW_UTC} AND ${EXECUTIONS} < 2`,
      order: 'j.scheduled_at ASC',
    },
    retry: {
      where: `j.finished_at IS NULL AND j.scheduled_at > ${NOW_UTC} AND ${EXECUTIONS} > 1`,
      order: 'j.scheduled_at ASC',
    },
    active: { where: `j.finished_at IS NULL AND j.performed_at IS NOT NULL`, order: 'j.performed_at DESC' },
    stalled: {
      where: `j.finished_at IS NULL AND j.performed_at IS NOT NULL AND (j.locked_by_id IS NULL OR j.locked_by_id NOT IN (SELECT id FROM live))`,
      order: 'j.performed_at ASC',
    },
    failed: { where: `j.finished_at IS NOT NULL AND j.error IS NOT NULL`, order: 'j.finished_at DESC' },
    dead: { where: `j.finished_at IS NOT NULL AND j.error IS NOT NULL`, order: 'j.finished_at DESC' },
    completed: { where: `j.finished_at IS NOT NULL AND j.error IS NULL`, order: 'j.finished_at DESC' },
  };

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = GoodJob.STATE_FILTER[options.state];
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    const search = searchClause(params, options.search, ['j.id::text', 'j.job_class', 'j.error']);
    const rows = await ctx.sql(
      `WITH ${this.liveCte()},
       pick AS (
         SELECT j.id, row_number() OVER (ORDER BY ${f.order}) AS n
         FROM ${this.jobsTable} j
         WHERE j.queue_name = ANY($1::text[]) AND ${f.where} ${search}
         ORDER BY ${f.order}
         LIMIT $2
       )
       SELECT j.id::text AS id, j.queue_name, j.job_class, j.executions_count, j.error_event,
         ${instant('j.created_at')} AS created_at, ${instant('j.performed_at')} AS performed_at, ${instant('j.finished_at')} AS finished_at,
         left(j.error, 2000) AS error,
         (SELECT array_to_string(e.error_backtrace[1:100], E'\\n') FROM ${this.s}.good_job_executions e
          WHERE e.active_job_id = j.id ORDER BY e.created_at DESC LIMIT 1) AS backtrace,
         octet_length(j.serialized_params::text) AS bytes, left(j.serialized_params::text, $3) AS preview,
         coalesce(j.serialized_params->>'traceparent', substring(left((j.serialized_params->'__otel_headers')::text, 4096) from '${TRACEPARENT_RE}')) AS traceparent
       FROM pick JOIN ${this.jobsTable} j ON j.id = pick.id
       ORDER BY pick.n`,
      params
    );
    return rows.map((r) => {
      const e = splitGoodJobError(r.error);
      const event =
        r.error_event === null || r.error_event === undefined ? undefined : ERROR_EVENTS[Number(r.error_event)];
      return {
        queue: r.queue_name,
        id: r.id,
        name: r.job_class ?? undefined,
        state: options.state,
        attempts: num(r.executions_count),
        createdAt: ms(r.created_at),
        processedAt: ms(r.performed_at),
        finishedAt: ms(r.finished_at),
        error: r.error ? `${r.error.split('\n')[0]}${event ? ` (${event})` : ''}` : undefined,
        stacktrace: r.backtrace || (e.message.includes('\n') ? r.error : undefined) || undefined,
        payload: payloadFromPrefix(r.preview, r.bytes, ctx.payloadLimit),
        traceId: traceIdFromTraceparent(r.traceparent),
      };
    });
  }

  async throughput(ctx: PgReadContext, queues: string[]): Promise<Series[]> {
    const plan = buckets(ctx.from, ctx.to, ctx.intervalMs);
    const rows = await ctx.sql(
      `SELECT queue_name AS queue, CASE WHEN error IS NULL THEN 'completed' ELSE 'failed' END AS kind,
         floor((extract(epoch FROM ${instant('finished_at')}) * 1000 - $2) / $3)::int AS b, count(*) AS n
       FROM ${this.jobsTable}
       WHERE finished_at IS NOT NULL AND finished_at >= ${utcParam(4)} AND finished_at < ${utcParam(5)} AND queue_name = ANY($1::text[])
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from).toISOString(), new Date(ctx.to).toISOString()]
    );
    ctx.notice('info', `${this.describe}: finished jobs have a history while GoodJob preserves job records`);
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  /** good_job_processes with their schedulers' queues; busy = running jobs they lock. */
  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    const rows = await ctx.sql(
      `SELECT p.id::text AS id, p.state->>'hostname' AS hostname, p.state->>'pid' AS pid,
         (SELECT array_agg(sc->>'queues') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.state->'schedulers') = 'array' THEN p.state->'schedulers' ELSE '[]'::jsonb END) sc) AS specs,
         (SELECT sum((sc->>'max_threads')::int) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(p.state->'schedulers') = 'array' THEN p.state->'schedulers' ELSE '[]'::jsonb END) sc
          WHERE sc->>'max_threads' ~ '^[0-9]+$') AS threads,
         ${instant('p.updated_at')} AS last, ${instant('p.created_at')} AS started, ${PROCESS_ACTIVE('p')} AS alive,
         (SELECT count(*) FROM ${this.jobsTable} j WHERE j.locked_by_id = p.id AND j.finished_at IS NULL AND j.performed_at IS NOT NULL) AS busy
       FROM ${this.s}.good_job_processes p
       ORDER BY p.updated_at DESC
       LIMIT 1000`
    );
    const out: WorkerRow[] = [];
    for (const r of rows) {
      const specs: string[] = (r.specs ?? []).filter((x: unknown) => typeof x === 'string');
      const serves = queues.filter((q) => specs.length === 0 || specs.some((spec) => queueSpecMatches(spec, q)));
      if (serves.length === 0) {
        continue;
      }
      out.push({
        name: r.id,
        host: r.hostname ?? undefined,
        pid: r.pid ? Number(r.pid) : undefined,
        queues: serves,
        busy: num(r.busy),
        concurrency: r.threads === null || r.threads === undefined ? undefined : Number(r.threads),
        lastHeartbeat: ms(r.last),
        alive: !!r.alive,
        startedAt: ms(r.started),
      });
    }
    return out.slice(0, ctx.limit);
  }
}

/**
 * GoodJob's queue string for one scheduler (Job.queue_parser, app/models/good_job/job.rb):
 * "*" anywhere = all, "-a,b" = all but a and b, "+a,b" or "a,b" = exactly those.
 */
export function queueSpecMatches(spec: string, queue: string): boolean {
  let s = spec.trim() || '*';
  const exclude = s.startsWith('-');
  if (exclude || s.startsWith('+')) {
    s = s.slice(1);
  }
  const names = s.split(',').map((x) => x.trim());
  if (names.includes('*')) {
    return true;
  }
  return exclude ? !names.includes(queue) : names.includes(queue);
}
