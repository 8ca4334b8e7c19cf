/**
 * pg-boss table layouts by the schema version pg-boss records in its own `<schema>.version`
 * table (`SELECT version FROM pgboss.version`). One adapter (pg-boss.ts) reads them all: each
 * layout maps its stored columns onto one set of names in a sub-select that PostgreSQL pulls
 * up into the outer query (plain column renames and expressions, no aggregate), so the
 * outer predicates still reach pg-boss's own indexes and partitions.
 *
 * Facts, from each major's own source as published on npm (src/plans.js and
 * src/migrationStore.js; for 12, dist/plans.js, dist/migrationStore.js and dist/schema.json;
 * the `release:` tag of each migration gives the release that introduced a schema version):
 *
 * - Schema 20 = pg-boss 7.4.0 to 9.x (9.0.3 tested). One plain `job` table (no partitions, no
 *   `queue` table: a queue is only the `name` of its jobs), `archive` (LIKE job, plus
 *   `archivedOn`), `version`, `schedule`, `subscription`. Columns are camelCase written
 *   unquoted, so stored lower-case: startafter, startedon, createdon, completedon,
 *   retrycount, expirein (interval), archivedon. States: created < retry < active <
 *   completed < expired < cancelled < failed; `expired` = timed out with no retry left
 *   (terminal, read here as failed). Fetch index `job_fetch (name text_pattern_ops,
 *   startAfter) WHERE state < 'active'`; `job_name (name text_pattern_ops)` lists queues.
 *   onComplete jobs live in queues `__state__completed__<name>`, maintenance in `__pgboss__*`.
 * - Schema 21 to 24 = pg-boss 10.0.0 to 10.1.x (10.0.0 = 21, 10.0.6 = 22, 10.1.1 = 23,
 *   10.1.5 = 24; no in-place migration from 20). `queue` table (partition_name, policy,
 *   dead_letter); `job` PARTITION BY LIST (name), one partition per queue; `archive` with
 *   `archived_on`; snake_case columns; `expire_in` interval; `expired` state removed (a
 *   timed-out job is failed with output "job failed by timeout in active state").
 *   Fetch index `<partition>_i5 (name, start_after) WHERE state < 'active'`.
 * - Schema 25 = pg-boss 11.0.0, 26 = 11.1.0 and also every 12.0 to 12.5 (the first 12.x
 *   migration is 27, release 12.6.0; no in-place migration from 24). No `archive`: finished
 *   jobs stay in `job` until `deletion_seconds` after completion (queue.deletion_seconds,
 *   default 7 days). `expire_in` interval replaced by `expire_seconds` int. `job` is still
 *   partitioned by name, but queues share the DEFAULT partition `job_common` unless created
 *   with `partition: true` (own table `j<sha224(name)>`); `queue.table_name` says which.
 *   Queue policies `standard|short|singleton|stately|exclusive`; `dead_letter` per job and
 *   queue (see dead letters below); `queue` caches counts (queued_count...) refreshed by the monitor.
 *   Fetch index `job_i5 (name, start_after) WHERE state < 'active'` on `job_common`.
 * - Schema 27 to 46 = pg-boss 12.6 to 12.38 (46 = 12.38.0, package.json "pgboss.schema"),
 *   columns added by minor releases: 27 group_id/group_tier (and `bam`), 30 heartbeat_on and
 *   heartbeat_seconds (a job whose heartbeat is older than heartbeat_seconds is failed by
 *   failJobsByHeartbeat), 31 blocked/blocking/pending_dependencies and `job_dependency`
 *   (flows: a blocked job waits for its parents), 34/43 dead-letter provenance (source_*),
 *   44 (12.36.0) `job.trace_context` (the OpenTelemetry carrier pg-boss injects when its
 *   openTelemetry.propagateContext is on: {traceparent, tracestate}) and the `instance` table: every running PgBoss registers itself with a
 *   heartbeat and one `workers` entry per work() call (queue, localConcurrency, active).
 *   12.x can also be installed without partitioning (`noTablePartitioning`: `job` is a plain
 *   table). Indexes used here: job_i14 (name, state, blocked, start_after) WHERE state IN
 *   (created, retry, active, failed) and job_i16 (name, completed_on) WHERE completed_on IS
 *   NOT NULL (present from their migrations in 12.x).
 * - Dead letters (10+). A job's `dead_letter` is set when it is inserted: 10.x takes the send
 *   option `deadLetter`, else its queue's (`COALESCE(j.dead_letter, q.dead_letter)`); 11.x and
 *   12.0 to 12.7 only the queue's (createJob passes no deadLetter; pg-boss 11 cannot name one per
 *   job); 12.8.0 (commit 593c6a6, schema 27) takes the option again. When a job fails for good,
 *   failJobs' `dlq_jobs` inserts a copy, state `created`, into the queue its own `dead_letter`
 *   names (the original stays `failed` on its queue). The copy is inserted without a queue
 *   `policy`, which every send()/insert() takes from its queue (10: createQueue defaults it to
 *   `standard`; 11+: `queue.policy` NOT NULL), so `policy IS NULL` marks a copy in every major;
 *   from 12.23 (schema 34) the copy also carries provenance, `source_name`/`source_id` of the
 *   failed job (redriven jobs get a policy and no source_id). v9 has no dead letters.
 * - pg-boss 11 and 12 declare engines.node >= 22 (12.x: >= 22.12); the schema they write
 *   does not depend on Node, and both ran on Node 20 for the tests.
 */

export interface PgBossLayout {
  /** The pg-boss major that writes this layout (12.0-12.5 write the 11 layout). */
  major: 9 | 10 | 11 | 12;
  schemaVersion: number;
  /** Stored columns → id, name, state, data, output, retry_count, start_after, started_on,
   *  created_on, completed_on, stalled_after (when an active job counts as stalled), blocked,
   *  dead_letter (the queue a failed job is copied to; v10+), dead_letter_copy (the job is the
   *  copy failJobs made of a failed job, in the queue that job named) and trace_context (schema 44+). */
  columns: string;
  /** `archive` table (v9, v10) with its archived-on column; v11+ delete instead. */
  archivedOn?: string;
  /** Jobs are listed in a `queue` table (v10+); v9 has only job names. */
  queueTable: boolean;
  /** States that are final failures (v9 also `expired`). */
  failedStates: string[];
  /** `instance` registry of running PgBoss objects and their workers (schema 44+). */
  instances: boolean;
}

/** The newest schema version this reader was checked against (pg-boss 12.38.0). */
export const NEWEST_TESTED_SCHEMA = 46;
/** The oldest schema read (pg-boss 7.4.0, the layout pg-boss 8 and 9 kept). */
export const OLDEST_SCHEMA = 20;

/** A dead-letter copy: inserted by failJobs without a queue policy; from schema 34 also with its source. */
const copyOf = (v: number) => (v >= 34 ? '(source_id IS NOT NULL OR policy IS NULL)' : '(policy IS NULL)');

const base = (expiry: string, copy: string, blocked = 'false', traceContext = 'NULL::jsonb') =>
  `id, name, state, data, output, retry_count, start_after, started_on, created_on, completed_on, ${expiry} AS stalled_after, ${blocked} AS blocked, ` +
  `dead_letter, ${copy} AS dead_letter_copy, ${traceContext} AS trace_context`;

/** The layout for a pg-boss schema version, or undefined before pg-boss 7.4 (schema 20). */
export function pgBossLayout(schemaVersion: number): PgBossLayout | undefined {
  const v = schemaVersion;
  if (!Number.isInteger(v) || v < OLDEST_SCHEMA) {
    return undefined;
  }
  if (v === 20) {
    return {
      major: 9,
      schemaVersion: v,
      columns:
        'id, name, state, data, output, retrycount AS retry_count, startafter AS start_after, startedon AS started_on, ' +
        'createdon AS created_on, completedon AS completed_on, startedon + expirein AS stalled_after, false AS blocked, ' +
        'NULL::text AS dead_letter, false AS dead_letter_copy, NULL::jsonb AS trace_context',
      archivedOn: 'archivedon',
      queueTable: false,
      failedStates: ['failed', 'expired'],
      instances: false,
    };
  }
  if (v <= 24) {
    return {
      major: 10,
      schemaVersion: v,
      columns: base('started_on + expire_in', copyOf(v)),
      archivedOn: 'archived_on',
      queueTable: true,
      failedStates: ['failed'],
      instances: false,
    };
  }
  const seconds = (col: string) => `${col} * interval '1 second'`;
  const expiry =
    v >= 30
      ? `least(started_on + ${seconds('expire_seconds')}, heartbeat_on + ${seconds('heartbeat_seconds')})`
      : `started_on + ${seconds('expire_seconds')}`;
  return {
    major: v <= 26 ? 11 : 12,
    schemaVersion: v,
    columns: base(expiry, copyOf(v), v >= 31 ? 'blocked' : 'false', v >= 44 ? 'trace_context' : 'NULL::jsonb'),
    queueTable: true,
    failedStates: ['failed'],
    instances: v >= 44,
  };
}
