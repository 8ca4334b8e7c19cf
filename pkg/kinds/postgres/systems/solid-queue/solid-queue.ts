/**
 * Solid Queue 1.x (rails/solid_queue; tables from
 * lib/generators/solid_queue/install/templates/db/queue_schema.rb, schema version 1, read at
 * v1.5.0). A job is one `solid_queue_jobs` row; its state is which execution table holds it:
 *
 * - wait: `solid_queue_ready_executions` (SolidQueue::Queue#size counts exactly these;
 *   oldest_wait_seconds is Queue#latency: now - min(ready.created_at), the ready row being
 *   written when the job became runnable, so a scheduled_at in the past does not count);
 * - delayed: `solid_queue_scheduled_executions` (scheduled_at in the future until the
 *   dispatcher moves them to ready);
 * - retries: scheduled jobs whose serialized Active Job says `executions` > 0. Solid Queue
 *   never retries by itself: Active Job's `retry_on` enqueues the job again (a new row,
 *   same active_job_id) and the failed attempt's row is finished, not failed;
 * - active: every `solid_queue_claimed_executions` row; stalled, the part of them whose
 *   process is gone (ClaimedExecution.orphaned) or has not beaten within
 *   SolidQueue.process_alive_threshold (5 minutes by default, lib/solid_queue.rb;
 *   Process::Prunable.prunable: the supervisor will fail these claims);
 * - failed = dead: `solid_queue_failed_executions` (error = JSON {exception_class, message,
 *   backtrace}, FailedExecution#expand_error_details_from_exception), kept until retried or
 *   discarded by hand;
 * - completed: `solid_queue_jobs.finished_at`, only while SolidQueue.preserve_finished_jobs
 *   (default true) keeps them, for clear_finished_jobs_after (default 1 day);
 * - queue_paused: a `solid_queue_pauses` row; blocked (concurrency controls) is reported in a
 *   notice, not counted as waiting.
 *
 * Times: Rails writes `datetime` columns as timestamp without time zone in UTC, so every
 * comparison uses now() AT TIME ZONE 'UTC' and every value read is turned back into an
 * instant with AT TIME ZONE 'UTC', whatever the session's TimeZone.
 * Cost: each execution table holds only the jobs in that state (a backlog); the ready part
 * reads index_solid_queue_poll_by_queue (queue_name, priority, job_id); finished jobs are
 * read only inside the time range through index_solid_queue_jobs_for_filtering
 * (queue_name, finished_at); the queue list is Solid Queue's own loose index scan
 * (Record::DistinctValues) over that index.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident } from '../../connection';
import {
  bucketSeries,
  containsPattern,
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
  statsFromRow,
  utcParam,
  discovered,
  type Discovery,
} from '../../job-system';

/** SolidQueue.process_alive_threshold default (lib/solid_queue.rb: 5.minutes). */
export const PROCESS_ALIVE_THRESHOLD = `interval '5 minutes'`;

/** W3C traceparent written under a "traceparent" key (OpenTelemetry's `__otel_headers`, or the app's own). */
export const TRACEPARENT_RE = `"traceparent"\\s*[:,]\\s*"([0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"`;

/**
 * The serialized Active Job's top-level `executions` (ActiveJob::Core#serialize writes it
 * right after "arguments", followed by "exception_executions"), read from the tail of the
 * text so a large argument list is never parsed.
 */
const EXECUTIONS = (args: string) =>
  `substring(right(${args}, 4096) from '"executions":([0-9]+),"exception_executions"')::int`;

/** A claim is alive while its process is registered and has beaten within the threshold. */
const ALIVE = `(p.id IS NOT NULL AND p.last_heartbeat_at > ${NOW_UTC} - ${PROCESS_ALIVE_THRESHOLD})`;

export interface ErrorDetails {
  exceptionClass?: string;
  message?: string;
  backtrace?: string[];
}

function unescapeJson(s: string): string {
  try {
    return JSON.parse(`"${s.replace(/\\$/, '')}"`);
  } catch {
    return s;
  }
}

/**
 * A JSON error object read from a prefix of its text (`left(error, n)`): JSON.parse when
 * whole, else the leading string fields by pattern (a cut backtrace is dropped).
 */
export function errorFromPrefix(
  text: string | null | undefined,
  keys: { cls: string; message: string; backtrace: string }
): ErrorDetails {
  if (!text) {
    return {};
  }
  try {
    const e = JSON.parse(text);
    if (e && typeof e === 'object') {
      const bt = e[keys.backtrace];
      return {
        exceptionClass: typeof e[keys.cls] === 'string' ? e[keys.cls] : undefined,
        message: typeof e[keys.message] === 'string' ? e[keys.message] : undefined,
        backtrace: Array.isArray(bt) ? bt.map(String) : undefined,
      };
    }
  } catch {
    // cut or not JSON: fall through
  }
  const field = (key: string) => {
    const m = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)("?)`).exec(text);
    return m ? unescapeJson(m[1]) : undefined;
  };
  const cls = field(keys.cls);
  const message = field(keys.message);
  return cls || message ? { exceptionClass: cls, message } : { message: text.split('\n')[0] };
}

const SQ_ERROR_KEYS = { cls: 'exception_class', message: 'message', backtrace: 'backtrace' };

export class SolidQueue implements PgJobSystem {
  readonly id = 'solid-queue' as const;
  readonly describe: string;
  private readonly s: string;

  constructor(readonly schema: string) {
    this.s = ident(schema);
    this.describe = `Solid Queue in schema "${schema}"`;
  }

  private t(name: string): string {
    return `${this.s}.solid_queue_${name}`;
  }

  /** SolidQueue::Queue.all: distinct queue_name of solid_queue_jobs by a loose index scan. */
  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ queue_name: string }>(distinctValuesSql(this.t('jobs'), 'queue_name'));
    return discovered(rows.map((r) => r.queue_name));
  }

  /** $1 queues, $2 from, $3 to. */
  overviewSql(): string {
    const from = utcParam(2);
    const to = utcParam(3);
    return `
      WITH ready AS (
        SELECT queue_name AS name, count(*) AS wait, extract(epoch FROM ${NOW_UTC} - min(created_at)) AS oldest
        FROM ${this.t('ready_executions')}
        WHERE queue_name = ANY($1::text[])
        GROUP BY queue_name
      ), scheduled AS (
        SELECT e.queue_name AS name, count(*) AS delayed,
          count(*) FILTER (WHERE ${EXECUTIONS('j.arguments')} > 0) AS retries
        FROM ${this.t('scheduled_executions')} e JOIN ${this.t('jobs')} j ON j.id = e.job_id
        WHERE e.queue_name = ANY($1::text[])
        GROUP BY e.queue_name
      ), claimed AS (
        SELECT j.queue_name AS name, count(*) AS active, count(*) FILTER (WHERE NOT ${ALIVE}) AS stalled
        FROM ${this.t('claimed_executions')} c
        JOIN ${this.t('jobs')} j ON j.id = c.job_id
        LEFT JOIN ${this.t('processes')} p ON p.id = c.process_id
        WHERE j.queue_name = ANY($1::text[])
        GROUP BY j.queue_name
      ), failed AS (
        SELECT j.queue_name AS name, count(*) AS failed,
          count(*) FILTER (WHERE f.created_at >= ${from} AND f.created_at < ${to}) AS failed_in_range
        FROM ${this.t('failed_executions')} f JOIN ${this.t('jobs')} j ON j.id = f.job_id
        WHERE j.queue_name = ANY($1::text[])
        GROUP BY j.queue_name
      ), blocked AS (
        SELECT queue_name AS name, count(*) AS blocked
        FROM ${this.t('blocked_executions')}
        WHERE queue_name = ANY($1::text[])
        GROUP BY queue_name
      ), completed AS (
        SELECT queue_name AS name, count(*) AS completed
        FROM ${this.t('jobs')}
        WHERE queue_name = ANY($1::text[]) AND finished_at >= ${from} AND finished_at < ${to}
        GROUP BY queue_name
      )
      SELECT q.name, r.wait, r.oldest, s.delayed, s.retries, c.active, c.stalled, f.failed, f.failed_in_range,
        coalesce(d.completed, 0) AS completed, b.blocked,
        EXISTS (SELECT 1 FROM ${this.t('pauses')} pz WHERE pz.queue_name = q.name) AS paused
      FROM unnest($1::text[]) WITH ORDINALITY AS q(name, ord)
      LEFT JOIN ready r USING (name) LEFT JOIN scheduled s USING (name) LEFT JOIN claimed c USING (name)
      LEFT JOIN failed f USING (name) LEFT JOIN blocked b USING (name) LEFT JOIN completed d USING (name)
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
      `${this.describe}: completed counts finished jobs Solid Queue still keeps (preserve_finished_jobs, cleared after clear_finished_jobs_after); ` +
        `Solid Queue does not retry by itself: retries are jobs Active Job's retry_on scheduled again, and a retried attempt counts as completed`
    );
    const blocked = rows.filter((r) => num(r.blocked) > 0);
    if (blocked.length > 0) {
      ctx.notice(
        'info',
        `${this.describe}: ${blocked.map((r) => `${num(r.blocked)} job(s) in "${r.name}"`).join(', ')} blocked by concurrency controls (not counted as waiting)`
      );
    }
    return rows.map(statsFromRow);
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    // Newest failures in range first; the error text (a JSON whose backtrace can be long)
    // is cut and only for the rows kept.
    const rows = await ctx.sql(
      `WITH pick AS (
         SELECT f.id, j.queue_name, j.id AS job_id, f.created_at
         FROM ${this.t('failed_executions')} f JOIN ${this.t('jobs')} j ON j.id = f.job_id
         WHERE j.queue_name = ANY($1::text[]) AND f.created_at >= ${utcParam(2)} AND f.created_at < ${utcParam(3)}
         ORDER BY f.created_at DESC
         LIMIT ${MAX_FAILURE_SAMPLES}
       )
       SELECT p.queue_name AS queue, p.job_id::text AS id, ${instant('p.created_at')} AS at, left(f.error, 4000) AS error
       FROM pick p JOIN ${this.t('failed_executions')} f ON f.id = p.id`,
      [queues, new Date(ctx.from).toISOString(), new Date(ctx.to).toISOString()]
    );
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => {
        const e = errorFromPrefix(r.error, SQ_ERROR_KEYS);
        return { queue: r.queue, jobId: r.id, errorClass: e.exceptionClass, message: e.message ?? '', at: ms(r.at) };
      })
    );
  }

  /** Per state: the execution table (alias e), extra condition, order and the state's timestamp. */
  private pick(state: PgJobsOptions['state']): { from: string; where: string; order: string } {
    const jobs = this.t('jobs');
    const claimed = `${this.t('claimed_executions')} e JOIN ${jobs} j ON j.id = e.job_id LEFT JOIN ${this.t('processes')} p ON p.id = e.process_id`;
    switch (state) {
      case 'waiting':
        return {
          from: `${this.t('ready_executions')} e JOIN ${jobs} j ON j.id = e.job_id`,
          where: `e.queue_name = ANY($1::text[])`,
          order: 'e.priority, e.job_id',
        };
      case 'delayed':
        return {
          from: `${this.t('scheduled_executions')} e JOIN ${jobs} j ON j.id = e.job_id`,
          where: `e.queue_name = ANY($1::text[])`,
          order: 'e.scheduled_at, e.priority, e.job_id',
        };
      case 'retry':
        return {
          from: `${this.t('scheduled_executions')} e JOIN ${jobs} j ON j.id = e.job_id`,
          where: `e.queue_name = ANY($1::text[]) AND ${EXECUTIONS('j.arguments')} > 0`,
          order: 'e.scheduled_at, e.priority, e.job_id',
        };
      case 'active':
        return { from: claimed, where: `j.queue_name = ANY($1::text[])`, order: 'e.created_at DESC' };
      case 'stalled':
        return { from: claimed, where: `j.queue_name = ANY($1::text[]) AND NOT ${ALIVE}`, order: 'e.created_at ASC' };
      case 'failed':
      case 'dead':
        return {
          from: `${this.t('failed_executions')} e JOIN ${jobs} j ON j.id = e.job_id`,
          where: `j.queue_name = ANY($1::text[])`,
          order: 'e.created_at DESC',
        };
      case 'completed':
        return {
          from: `${jobs} j`,
          where: `j.queue_name = ANY($1::text[]) AND j.finished_at IS NOT NULL`,
          order: 'j.finished_at DESC',
        };
    }
  }

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const f = this.pick(options.state);
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    let search = '';
    if (options.search) {
      params.push(containsPattern(options.search));
      search = `AND (j.id::text ILIKE $4 OR j.class_name ILIKE $4 OR j.active_job_id ILIKE $4
        OR EXISTS (SELECT 1 FROM ${this.t('failed_executions')} fe WHERE fe.job_id = j.id AND left(fe.error, 4000) ILIKE $4))`;
    }
    const claimedAt = options.state === 'active' || options.state === 'stalled' ? 'e.created_at' : 'NULL::timestamp';
    const rows = await ctx.sql(
      `WITH pick AS (
         SELECT j.id AS job_id, ${claimedAt} AS claimed_at, row_number() OVER (ORDER BY ${f.order}) AS n
         FROM ${f.from}
         WHERE ${f.where} ${search}
         ORDER BY ${f.order}
         LIMIT $2
       )
       SELECT j.id::text AS id, j.queue_name, j.class_name, j.active_job_id,
         ${instant('j.created_at')} AS created_at, ${instant('pick.claimed_at')} AS claimed_at,
         ${instant('coalesce(j.finished_at, fe.created_at)')} AS finished_at,
         ${EXECUTIONS('j.arguments')} AS executions,
         left(fe.error, 16000) AS error,
         octet_length(j.arguments) AS bytes, left(j.arguments, $3) AS preview,
         coalesce(substring(left(j.arguments, 8192) from '${TRACEPARENT_RE}'), substring(right(j.arguments, 4096) from '${TRACEPARENT_RE}')) AS traceparent
       FROM pick JOIN ${this.t('jobs')} j ON j.id = pick.job_id
       LEFT JOIN ${this.t('failed_executions')} fe ON fe.job_id = j.id
       ORDER BY pick.n`,
      params
    );
    return rows.map((r) => {
      const e = errorFromPrefix(r.error, SQ_ERROR_KEYS);
      const ran = r.claimed_at || r.finished_at || r.error ? 1 : 0;
      return {
        queue: r.queue_name,
        id: r.id,
        name: r.class_name,
        state: options.state,
        attempts: num(r.executions) + ran,
        createdAt: ms(r.created_at),
        processedAt: ms(r.claimed_at),
        finishedAt: ms(r.finished_at),
        error: e.exceptionClass || e.message ? [e.exceptionClass, e.message].filter(Boolean).join(': ') : undefined,
        stacktrace: e.backtrace?.length ? e.backtrace.join('\n') : undefined,
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
         SELECT queue_name AS queue, 'completed' AS kind, ${instant('finished_at')} AS at FROM ${this.t('jobs')}
         WHERE queue_name = ANY($1::text[]) AND finished_at >= ${utcParam(4)} AND finished_at < ${utcParam(5)}
         UNION ALL
         SELECT j.queue_name, 'failed', ${instant('f.created_at')} FROM ${this.t('failed_executions')} f JOIN ${this.t('jobs')} j ON j.id = f.job_id
         WHERE j.queue_name = ANY($1::text[]) AND f.created_at >= ${utcParam(4)} AND f.created_at < ${utcParam(5)}
       ) t
       GROUP BY 1, 2, 3`,
      [queues, plan.start, plan.step, new Date(ctx.from).toISOString(), new Date(ctx.to).toISOString()]
    );
    ctx.notice(
      'info',
      `${this.describe}: completed jobs have a history only while preserve_finished_jobs keeps them; failed ones while their failed execution is kept`
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  /** Registered Worker processes (solid_queue_processes) serving any of the queues. */
  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    const rows = await ctx.sql(
      `SELECT p.id, p.name, p.hostname, p.pid, left(p.metadata, 4000) AS metadata,
         ${instant('p.last_heartbeat_at')} AS last, ${instant('p.created_at')} AS started,
         p.last_heartbeat_at > ${NOW_UTC} - ${PROCESS_ALIVE_THRESHOLD} AS alive,
         (SELECT count(*) FROM ${this.t('claimed_executions')} c WHERE c.process_id = p.id) AS busy
       FROM ${this.t('processes')} p
       WHERE p.kind = 'Worker'
       ORDER BY p.last_heartbeat_at DESC
       LIMIT 1000`
    );
    const out: WorkerRow[] = [];
    for (const r of rows) {
      let meta: any = {};
      try {
        meta = JSON.parse(r.metadata ?? '{}') ?? {};
      } catch {
        meta = {};
      }
      // Worker#metadata: queues joined with "," ("*" for all, "prefix*" for a prefix).
      const patterns = String(meta.queues ?? '*')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const serves = queues.filter((q) =>
        patterns.some((p) => p === '*' || p === q || (p.endsWith('*') && q.startsWith(p.slice(0, -1))))
      );
      if (serves.length === 0) {
        continue;
      }
      out.push({
        name: r.name,
        host: r.hostname ?? undefined,
        pid: r.pid ?? undefined,
        queues: serves,
        busy: num(r.busy),
        concurrency: meta.thread_pool_size !== undefined ? Number(meta.thread_pool_size) : undefined,
        lastHeartbeat: ms(r.last),
        alive: !!r.alive,
        startedAt: ms(r.started),
      });
    }
    return out.slice(0, ctx.limit);
  }
}
