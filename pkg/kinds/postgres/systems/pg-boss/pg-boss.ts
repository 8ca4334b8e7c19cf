/**
 * pg-boss, every layout from pg-boss 7.4/8/9 (schema 20) to 12.38 (schema 46): the layout
 * facts and their sources are in layout.ts. Each statement is written once against
 * `j`, the job table seen through the layout's column map (a sub-select PostgreSQL pulls up,
 * so predicates still reach the partitions and partial indexes), and `a`, the archive where
 * the layout has one (v9, v10).
 *
 * Longer than the other adapters (~530 lines) on purpose: one class serves four pg-boss
 * majors, and beside the exact overview it keeps the planner-estimate path (layouts with no
 * index on active or finished rows, above maxExactRows) and the dead-letter queue rules; split,
 * each part would need the same layout-derived table and column names passed around.
 *
 * States (enum job_state, ordered): created < retry < active < completed < (v9: expired <)
 * cancelled < failed.
 * - wait: created/retry, not blocked (12.x flows), start_after <= now(); delayed: the other
 *   created/retry jobs; both leave out dead-letter copies (counted as dead, below). wait +
 *   delayed + those copies = pg-boss's getQueueSize (v9, v10: `state < 'active'`) = queuedCount
 *   of getQueueStats (11, 12; 12 splits it into ready, deferred, blocked).
 * - oldest_wait_seconds: the oldest ready job, counted from greatest(created_on, start_after),
 *   when it became runnable (pg-boss 12's own readyOldestSeconds, plans.getQueueStats); it is
 *   read in the same pass as the ready count (12: job_i11 holds both columns).
 * - retries: state `retry`; failed: state `failed` (v9 also `expired`), set once retry_count
 *   reaches retry_limit.
 * - dead, each dead letter counted once: a failed job that names a dead-letter queue (v10+,
 *   its own `dead_letter`, from the send option deadLetter (10, 12.8+) or its queue's) is
 *   failed on its queue but not dead there: pg-boss copied it into that queue as a new
 *   `created` job, and that queued copy is the dead letter, dead in the queue that holds it (not
 *   wait or delayed). Copies are known per job (layout.ts: no queue policy, 12.23+ source_id),
 *   so a queue named only by one job's deadLetter, or one that also takes ordinary jobs, counts
 *   right. A failed job with no dead-letter queue is dead on its own queue. Notices link a
 *   dead-letter queue to the queues naming it in `queue.dead_letter` or to its copies.
 * - active: state `active`; stalled, the part of them past its expiry (v9/v10 started_on +
 *   expire_in, 11+ expire_seconds) or, 12.x with heartbeats, past heartbeat_on +
 *   heartbeat_seconds: the rules of pg-boss's own expire / failJobsByTimeout / failJobsByHeartbeat.
 * - workers (schema 44+): live PgBoss instances with a work() on the queue, from `instance`.
 * - a job's trace id: 12.36+'s `trace_context` carrier, else a `traceparent` in its data.
 * Cost of the overview: pg-boss 12 indexes every part (job_i14 on the live states, job_i16
 * (name, completed_on)); before 12 no index covers active or finished rows, so the overview
 * is one pass over the queried queues' rows in `job` (v10+: their partitions only), which
 * pg-boss bounds by archiving or deleting finished jobs. Job lists use the partial fetch
 * index for queued jobs (v9 job_fetch, v10 <partition>_i5, 11 job_i5, 12 job_i14); the
 * archive is read only by its archived-on index, for failures and throughput.
 */
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { traceIdFromTraceparent } from '../../../../reading/payload';
import { buckets } from '../../../../reading/buckets';
import { ident, type Sql } from '../../connection';
import {
  bucketSeries,
  containsPattern,
  groupSampledFailures,
  MAX_FAILURE_SAMPLES,
  ms,
  num,
  payloadFromPrefix,
  type PgJobsOptions,
  type PgJobSystem,
  type PgReadContext,
  statsFromRow,
  discovered,
  type Discovery,
} from '../../job-system';
import { pgBossLayout, type PgBossLayout } from './layout';

/** Queued states; an IN list (not `< 'active'`) so 12.x's job_i14 predicate is implied too. */
const QUEUED = `state IN ('created', 'retry')`;

/** pg-boss's own liveness of an `instance` row (plans.getInstances: not stopped, a heartbeat within three intervals). */
const LIVE_INSTANCE = `i.stopped_on IS NULL AND i.heartbeat_on >= now() - i.heartbeat_seconds * 3 * interval '1 second'`;

/** A table holding jobs of the queried queues, its planner row count, and its queue when it holds only one. */
interface PgBossTable {
  rel: string;
  rows: number;
  queues: string[];
}

export class PgBoss implements PgJobSystem {
  readonly id = 'pg-boss' as const;
  readonly describe: string;
  readonly layout: PgBossLayout;
  private readonly s: string;
  /** The job table under the names the statements use. */
  private readonly j: string;
  /** The layout's failed states as an SQL list: `'failed', 'expired'`. */
  private readonly failedList: string;
  /** The archive (finished jobs moved out of `job`), where the layout has one. */
  private readonly a?: string;

  /** `schemaVersion`: the value of pg-boss's own `<schema>.version` table. */
  constructor(
    readonly schema: string,
    schemaVersion: number
  ) {
    const layout = pgBossLayout(schemaVersion);
    if (!layout) {
      throw new Error(`pg-boss schema version ${schemaVersion} is older than pg-boss 7.4 (schema 20)`);
    }
    this.layout = layout;
    this.failedList = layout.failedStates.map((state) => `'${state}'`).join(', ');
    this.s = ident(schema);
    this.describe = `pg-boss in schema "${schema}"`;
    this.j = `(SELECT ${layout.columns} FROM ${this.s}.job) j`;
    if (layout.archivedOn) {
      this.a = `(SELECT ${layout.columns}, ${layout.archivedOn} AS archived_on FROM ${this.s}.archive) a`;
    }
  }

  /**
   * Queues: pg-boss's `queue` table (v10+), or in v9, which has none, the distinct job names
   * by a loose scan of its `job_name (name text_pattern_ops)` index (one index probe per
   * queue, bounded). Internal `__pgboss__*` and v9 `__state__*` completion queues are left out.
   */
  queuesSql(): string {
    const internal = `name NOT LIKE '\\_\\_pgboss\\_\\_%' AND name NOT LIKE '\\_\\_state\\_\\_%'`;
    if (this.layout.queueTable) {
      return `SELECT name FROM ${this.s}.queue WHERE ${internal} ORDER BY name LIMIT 10000`;
    }
    return `
      WITH RECURSIVE q(name, n) AS (
        (SELECT name, 1 FROM ${this.s}.job ORDER BY name USING ~<~ LIMIT 1)
        UNION ALL
        SELECT (SELECT name FROM ${this.s}.job WHERE name ~>~ q.name ORDER BY name USING ~<~ LIMIT 1), q.n + 1
        FROM q WHERE q.name IS NOT NULL AND q.n < 20000
      )
      SELECT name FROM q WHERE name IS NOT NULL AND ${internal} ORDER BY name LIMIT 10000`;
  }

  async discover(ctx: PgReadContext): Promise<Discovery> {
    const rows = await ctx.sql<{ name: string }>(this.queuesSql());
    return discovered(rows.map((r) => r.name));
  }

  /**
   * One row per queue: wait, delayed, retries, oldest, active, stalled, failed, completed and
   * failed inside the time range ($2, $3). pg-boss 12 indexes every part (job_i5 / job_i14 on
   * the live states, job_i16 on completed_on): three index-aligned parts. Before 12 only
   * the queued rows are indexed, so active and finished rows need a pass over what pg-boss
   * keeps in `job` anyway (it archives or deletes the older ones): the queued rows are
   * counted in that same single pass instead of a second read.
   */
  overviewSql(): string {
    const failed = `state IN (${this.failedList})`;
    const inRange = 'completed_on >= $2 AND completed_on < $3';
    const runningCounts = `
          count(*) FILTER (WHERE state = 'active') AS active,
          count(*) FILTER (WHERE state = 'active' AND stalled_after < now()) AS stalled,
          count(*) FILTER (WHERE ${failed}) AS failed,
          count(*) FILTER (WHERE ${failed} AND dead_letter IS NOT NULL AND dead_letter <> name) AS dead_lettered`;
    const output = `SELECT q.name, c.wait, c.delayed, c.retries, c.oldest, c.active, c.stalled, c.completed, c.failed, c.failed_in_range,
        c.dead_lettered, c.dead_letters, ${this.queueFacts()}
      FROM unnest($1::text[]) AS q(name) LEFT JOIN counts c USING (name)`;
    if (this.layout.major !== 12) {
      return `
      WITH counts AS (
        SELECT name,${this.readyCounts(true)},${runningCounts},
          count(*) FILTER (WHERE state = 'completed' AND ${inRange}) AS completed,
          count(*) FILTER (WHERE ${failed} AND ${inRange}) AS failed_in_range
        FROM ${this.j}
        WHERE name = ANY($1::text[])
        GROUP BY name
      )
      ${output}`;
    }
    return `
      WITH ready AS (${this.readySql()}
      ), running AS (
        SELECT name,${runningCounts}
        FROM ${this.j}
        WHERE name = ANY($1::text[]) AND state IN ('active', ${this.failedList})
        GROUP BY name
      ), finished AS (
        SELECT name,
          count(*) FILTER (WHERE state = 'completed') AS completed,
          count(*) FILTER (WHERE ${failed}) AS failed_in_range
        FROM ${this.j}
        WHERE name = ANY($1::text[]) AND ${inRange}
        GROUP BY name
      ), counts AS (
        SELECT name, r.wait, r.delayed, r.retries, r.oldest, r.dead_letters, w.active, w.stalled, w.failed, w.dead_lettered, f.completed, f.failed_in_range
        FROM ready r FULL JOIN running w USING (name) FULL JOIN finished f USING (name)
      )
      ${output}`;
  }

  /**
   * Per queue, beside its job counts, from pg-boss's small `queue` and `instance` tables: the
   * queues that name it as their deadLetter (v10+), and how many live PgBoss instances have a
   * work() on it (schema 44+; null before, where pg-boss records no workers).
   */
  private queueFacts(): string {
    const sources = this.layout.queueTable
      ? `(SELECT array_agg(src.name ORDER BY src.name) FROM ${this.s}.queue src WHERE src.dead_letter = q.name)`
      : 'NULL::text[]';
    const workers = this.layout.instances
      ? `(SELECT count(*) FROM ${this.s}.instance i WHERE ${LIVE_INSTANCE} AND jsonb_typeof(i.workers) = 'array'
           AND i.workers @> jsonb_build_array(jsonb_build_object('queue', q.name)))`
      : 'NULL::bigint';
    return `${sources} AS dead_letter_of, ${workers} AS workers`;
  }

  /**
   * One overview row → QueueStats, with pg-boss's dead letters counted once: a job that failed
   * for good and was copied to its dead-letter queue is `failed` on its own queue but `dead`
   * only where its queued copy is (the copies are already left out of wait and delayed).
   */
  private statsOf(r: Record<string, unknown>): QueueStats {
    const stats = statsFromRow(r);
    const v = stats.values;
    const copies = num(r.dead_letters);
    if (v.dead !== undefined) {
      v.dead += copies - num(r.dead_lettered);
    }
    // A queue holding dead letters and no waiting job of its own has no wait age to report.
    if ((copies > 0 || (Array.isArray(r.dead_letter_of) && r.dead_letter_of.length > 0)) && !v.wait) {
      delete v.oldest_wait_seconds;
    }
    if (this.layout.instances) {
      v.workers = num(r.workers);
    }
    return stats;
  }

  /** What the overview's numbers mean for this layout and these queues. */
  private overviewNotices(ctx: PgReadContext, rows: Array<Record<string, unknown>>): void {
    const once =
      'the failed original counts as failed on its own queue but not as dead, so each dead letter is counted once';
    for (const r of rows) {
      const sources = r.dead_letter_of as string[] | null;
      if (sources?.length) {
        ctx.notice(
          'info',
          `${this.describe}: "${r.name}" is the dead-letter queue of ${sources.map((q) => `"${q}"`).join(', ')}: its queued copies count as dead there, not as waiting; ${once}`
        );
      } else if (num(r.dead_letters) > 0) {
        ctx.notice(
          'info',
          `${this.describe}: "${r.name}" holds ${num(r.dead_letters)} queued dead letter(s), copies pg-boss made of failed jobs that named it as their own deadLetter: they count as dead there, not as waiting; ${once}`
        );
      }
    }
    if (this.layout.major === 11) {
      ctx.notice(
        'info',
        `${this.describe}: pg-boss 11 names dead-letter queues per queue only (this schema is also 12.0 to 12.5's; the send option deadLetter exists in 10 and again from 12.8): ` +
          "a job failed for good is copied to its queue's deadLetter, else it is dead on its own queue"
      );
    }
    ctx.notice(
      'info',
      this.layout.instances
        ? `${this.describe}: workers = live PgBoss instances (not stopped, heartbeat within three intervals) with a work() on the queue`
        : `${this.describe}: pg-boss before 12.36 (schema 44) keeps no worker registry, so workers is not reported`
    );
  }

  /**
   * wait, delayed, retries, oldest and dead_letters (the queued dead-letter copies, which are
   * neither wait nor delayed); `mixed`: rows of every state are aggregated, not just queued ones.
   */
  private readyCounts(mixed: boolean): string {
    const ready = 'NOT dead_letter_copy AND NOT blocked AND start_after <= now()';
    const queued = (cond: string) => (mixed ? `${QUEUED} AND (${cond})` : cond);
    return `
          count(*) FILTER (WHERE ${queued(ready)}) AS wait,
          count(*) FILTER (WHERE ${queued('NOT dead_letter_copy AND (blocked OR start_after > now())')}) AS delayed,
          count(*) FILTER (WHERE state = 'retry') AS retries,
          count(*) FILTER (WHERE ${queued('dead_letter_copy')}) AS dead_letters,
          extract(epoch FROM now() - min(greatest(created_on, start_after)) FILTER (WHERE ${queued(ready)})) AS oldest`;
  }

  /** The queued jobs of each queue, on pg-boss's fetch index (job_fetch, <partition>_i5, job_i5, job_i14). */
  readySql(): string {
    return `
        SELECT name,${this.readyCounts(false)}
        FROM ${this.j}
        WHERE name = ANY($1::text[]) AND ${QUEUED}
        GROUP BY name`;
  }

  async overview(ctx: PgReadContext, queues: string[]): Promise<QueueStats[]> {
    if (this.layout.major !== 12) {
      const tables = await this.tablesOf(ctx, queues);
      const rows = tables.reduce((n, t) => n + t.rows, 0);
      if (rows > ctx.maxExactRows) {
        return this.estimatedOverview(ctx, queues, tables, rows);
      }
    }
    const rows = await ctx.sql(this.overviewSql(), [queues, new Date(ctx.from), new Date(ctx.to)]);
    this.overviewNotices(ctx, rows);
    const gone = this.a
      ? 'pg-boss has not archived yet (archive is not read)'
      : "pg-boss has not deleted yet (after the queue's deleteAfterSeconds)";
    ctx.notice(
      'info',
      `${this.describe}: completed counts jobs completed inside the time range that ${gone}; failed counts failed jobs still in the job table`
    );
    return rows.map((r) => this.statsOf(r));
  }

  /**
   * The tables the queues' jobs are in (v10: a partition each; 11: a partition of their own
   * or the shared job_common; v9: the one job table), with the planner's row count
   * (pg_class.reltuples, kept by ANALYZE / autovacuum) and their queues.
   */
  private async tablesOf(ctx: PgReadContext, queues: string[]): Promise<PgBossTable[]> {
    const rows = await ctx.sql<{ rel: string; rows: number; queues: string[] | null; sharing?: string }>(
      this.layout.queueTable
        ? `SELECT c.relname AS rel, greatest(c.reltuples, 0)::float8 AS rows,
                  array_agg(q.name) FILTER (WHERE q.name = ANY($1::text[])) AS queues, count(*) AS sharing
           FROM ${this.s}.queue q
           JOIN pg_catalog.pg_class c
             ON c.relnamespace = $2::regnamespace AND c.relname = coalesce(to_jsonb(q)->>'partition_name', to_jsonb(q)->>'table_name')
           GROUP BY c.relname, c.reltuples
           HAVING bool_or(q.name = ANY($1::text[]))`
        : // v9: one job table for every queue ($1 is typed here only because both forms take it).
          `SELECT c.relname AS rel, greatest(c.reltuples, 0)::float8 AS rows, NULL::text[] AS queues
           FROM pg_catalog.pg_class c WHERE c.relnamespace = $2::regnamespace AND c.relname = 'job' AND $1::text[] IS NOT NULL`,
      [queues, this.schema]
    );
    // A table is one queue's only when no other queue's jobs share it.
    return rows.map((r) => ({
      rel: r.rel,
      rows: Number(r.rows),
      queues: Number(r.sharing) === 1 ? (r.queues ?? []) : [],
    }));
  }

  /**
   * Above ctx.maxExactRows rows to read, the counts no index serves come from the planner's
   * statistics instead of a scan: per table, reltuples × the frequency ANALYZE recorded for
   * each state (pg_stats.most_common_freqs). Only tables holding one queue (v10 partitions,
   * 11 queues with a partition of their own) can be attributed to a queue; the queued jobs
   * stay exact (fetch index); stalled and the in-range counts are left out.
   */
  private async estimatedOverview(
    ctx: PgReadContext,
    queues: string[],
    tables: PgBossTable[],
    rows: number
  ): Promise<QueueStats[]> {
    const ready = await ctx.sql(
      `SELECT q.name, r.wait, r.delayed, r.retries, r.oldest, ${this.queueFacts()}
       FROM unnest($1::text[]) AS q(name) LEFT JOIN (${this.readySql()}) r USING (name)`,
      [queues]
    );
    this.overviewNotices(ctx, ready);
    const stats = await ctx.sql<{ rel: string; vals: string[] | null; freqs: number[] | null }>(
      `SELECT tablename AS rel, most_common_vals::text::text[] AS vals, most_common_freqs AS freqs
       FROM pg_catalog.pg_stats WHERE schemaname = $1 AND tablename = ANY($2::text[]) AND attname = 'state'`,
      [this.schema, tables.map((t) => t.rel)]
    );
    const byQueue = new Map<string, Record<string, number>>();
    for (const t of tables) {
      const s = stats.find((x) => x.rel === t.rel);
      if (t.queues.length !== 1 || !s?.vals || !s.freqs) {
        continue;
      }
      const share = (states: string[]) =>
        Math.round(t.rows * s.vals!.reduce((sum, v, i) => sum + (states.includes(v) ? Number(s.freqs![i]) : 0), 0));
      const failed = share(this.layout.failedStates);
      byQueue.set(t.queues[0], { active: share(['active']), failed, dead: failed });
    }
    ctx.notice(
      'warning',
      `${this.describe}: about ${Math.round(rows).toLocaleString('en')} rows to read without an index (more than maxExactRows, ${ctx.maxExactRows.toLocaleString('en')}): ` +
        'waiting, delayed and retries are exact; active and failed are planner estimates (table statistics) where a queue has a table of its own; ' +
        'stalled, completed and failed_in_range are left out. Raise maxExactRows in the data source settings to count them exactly.'
    );
    return queues.map((name) => {
      // failed is not read here: statsOf's dead is only the queue's queued dead-letter copies.
      const exact = this.statsOf(ready.find((x) => x.name === name) ?? { name }).values;
      const estimate = byQueue.get(name) ?? {};
      const values: QueueStats['values'] = { ...estimate };
      for (const key of ['wait', 'delayed', 'retries', 'oldest_wait_seconds', 'workers'] as const) {
        if (exact[key] !== undefined) {
          values[key] = exact[key];
        }
      }
      if (exact.dead) {
        values.dead = (estimate.dead ?? 0) + exact.dead;
      }
      return { queue: name, values };
    });
  }

  /** Live rows and, where there is one, the archive (read by its archived-on index: a job is
   *  archived after it completed), finished inside the range. */
  private finishedIn(columns: string, where: string): string {
    const live = `SELECT ${columns} FROM ${this.j} WHERE name = ANY($1::text[]) AND ${where}`;
    return this.a
      ? `${live} UNION ALL SELECT ${columns} FROM ${this.a} WHERE archived_on >= $2 AND name = ANY($1::text[]) AND ${where}`
      : live;
  }

  async failures(ctx: PgReadContext, queues: string[]): Promise<FailureGroup[]> {
    const rows = await ctx.sql(
      `SELECT name, id::text AS id, completed_on,
              left(coalesce(output->>'message', output#>>'{value,message}', output::text), 2000) AS message,
              left(output->>'name', 200) AS error_class
       FROM (${this.finishedIn('name, id, completed_on, output', `state IN (${this.failedList}) AND completed_on >= $2 AND completed_on < $3`)}) f
       ORDER BY completed_on DESC
       LIMIT ${MAX_FAILURE_SAMPLES}`,
      [queues, new Date(ctx.from), new Date(ctx.to)]
    );
    return groupSampledFailures(
      ctx,
      this.describe,
      rows.map((r) => ({
        queue: r.name,
        jobId: r.id,
        errorClass: r.error_class ?? undefined,
        message: r.message ?? '',
        at: ms(r.completed_on),
      }))
    );
  }

  private stateFilter(state: PgJobsOptions['state']): { where: string; order: string } {
    const failed = { where: `state IN (${this.failedList})`, order: 'completed_on DESC NULLS LAST' };
    // Dead, as the overview counts it: failed originals not copied to a dead-letter queue, and
    // the queued dead-letter copies, wherever they are (which are then not waiting or delayed).
    const dead = `(${failed.where} AND (dead_letter IS NULL OR dead_letter = name)) OR (${QUEUED} AND dead_letter_copy)`;
    return {
      failed,
      dead: { where: `(${dead})`, order: 'coalesce(completed_on, created_on) DESC' },
      retry: { where: `state = 'retry'`, order: 'created_on DESC' },
      delayed: {
        where: `${QUEUED} AND (blocked OR start_after > now()) AND NOT dead_letter_copy`,
        order: 'start_after ASC',
      },
      waiting: {
        where: `${QUEUED} AND NOT blocked AND start_after <= now() AND NOT dead_letter_copy`,
        order: 'created_on DESC',
      },
      active: { where: `state = 'active'`, order: 'started_on DESC' },
      stalled: { where: `state = 'active' AND stalled_after < now()`, order: 'started_on ASC' },
      completed: { where: `state = 'completed'`, order: 'completed_on DESC NULLS LAST' },
    }[state];
  }

  jobsSql(state: PgJobsOptions['state'], search: boolean): string {
    const f = this.stateFilter(state);
    return `SELECT id::text AS id, name, state::text AS state, retry_count, created_on, started_on, completed_on,
              left(coalesce(output->>'message', output#>>'{value,message}'), 2000) AS message,
              left(output->>'stack', 8000) AS stack,
              octet_length(data::text) AS bytes, left(data::text, $3) AS preview,
              left(coalesce(trace_context->>'traceparent', data->>'traceparent'), 64) AS traceparent
       FROM ${this.j}
       WHERE name = ANY($1::text[]) AND ${f.where} ${search ? `AND (id::text ILIKE $4 OR name ILIKE $4 OR output::text ILIKE $4)` : ''}
       ORDER BY ${f.order}
       LIMIT $2`;
  }

  async jobs(ctx: PgReadContext, queues: string[], options: PgJobsOptions): Promise<JobRow[]> {
    const params: unknown[] = [queues, ctx.limit, ctx.payloadLimit + 1];
    if (options.search) {
      params.push(containsPattern(options.search));
    }
    const rows = await ctx.sql(this.jobsSql(options.state, !!options.search), params);
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
    const failed = this.failedList;
    const rows = await ctx.sql(
      `SELECT name AS queue, CASE WHEN state = 'completed' THEN 'completed' ELSE 'failed' END AS kind,
              floor((extract(epoch FROM completed_on) * 1000 - $4) / $5)::int AS b, count(*) AS n
       FROM (${this.finishedIn('name, state, completed_on', `state IN ('completed', ${failed}) AND completed_on >= $2 AND completed_on < $3`)}) t
       GROUP BY 1, 2, 3`,
      [queues, new Date(ctx.from), new Date(ctx.to), plan.start, plan.step]
    );
    return bucketSeries(this.id, queues, ['completed', 'failed'], rows, plan);
  }

  /**
   * pg-boss 12.36+ (schema 44) registers every running PgBoss in `instance`, with one
   * `workers` entry per work() call; alive is pg-boss's own rule (getInstances: not stopped
   * and a heartbeat within three heartbeat intervals). Older layouts keep no registry.
   */
  workersSql(): string {
    return `
      SELECT coalesce(i.name, i.host || ':' || i.pid) AS name, i.host, i.pid, i.started_on, i.heartbeat_on,
        ${LIVE_INSTANCE} AS alive,
        w.queues, w.busy, w.concurrency
      FROM ${this.s}.instance i
      CROSS JOIN LATERAL (
        SELECT array_agg(DISTINCT e->>'queue' ORDER BY e->>'queue') AS queues,
          sum((e->>'active')::int) AS busy, sum((e->>'localConcurrency')::int) AS concurrency
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(i.workers) = 'array' THEN i.workers ELSE '[]'::jsonb END) e
      ) w
      WHERE w.queues && $1::text[]
      ORDER BY alive DESC, i.heartbeat_on DESC
      LIMIT $2`;
  }

  async workers(ctx: PgReadContext, queues: string[]): Promise<WorkerRow[]> {
    if (!this.layout.instances) {
      ctx.notice('info', `${this.describe}: pg-boss before 12.36 keeps no worker registry in the database`);
      return [];
    }
    const rows = await ctx.sql(this.workersSql(), [queues, ctx.limit]);
    return rows.map((r) => ({
      name: r.name,
      host: r.host ?? undefined,
      pid: r.pid ?? undefined,
      queues: r.queues ?? [],
      busy: num(r.busy),
      concurrency: num(r.concurrency),
      lastHeartbeat: ms(r.heartbeat_on),
      alive: !!r.alive,
      startedAt: ms(r.started_on),
    }));
  }
}

/**
 * The pg-boss of a schema that holds `job` and `version`, from the version pg-boss recorded
 * (one tiny SELECT per such schema, written so that an unrelated `version` table without that
 * column yields null instead of an error), or the notice that explains why it is not read.
 */
export async function detectPgBoss(sql: Sql, schema: string, readable: boolean): Promise<PgBoss | string> {
  if (!readable) {
    return `pg-boss tables found in schema "${schema}" but this user may not read ${schema}.version: GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO <user>`;
  }
  const [row] = await sql<{ v: number | null }>(
    `SELECT max(CASE WHEN to_jsonb(v)->>'version' ~ '^[0-9]{1,6}$' THEN (to_jsonb(v)->>'version')::int END) AS v FROM ${ident(schema)}.version v`
  );
  const version = row?.v ?? null;
  if (version === null) {
    return `schema "${schema}" has job and version tables but no pg-boss schema version: not read`;
  }
  if (!pgBossLayout(version)) {
    return `pg-boss schema version ${version} (before pg-boss 7.4) found in schema "${schema}": this layout is not read (upgrade pg-boss)`;
  }
  return new PgBoss(schema, version);
}
