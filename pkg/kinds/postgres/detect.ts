/**
 * Which job systems a database holds, from the catalog in ONE query (pg_class is readable
 * by every role, so detection needs no grant on the job tables themselves).
 *  - pg-boss 7.4 to 12.x: a schema (default `pgboss`) with `job` and `version`; the layout
 *    follows the schema version pg-boss records there (one small SELECT per such schema,
 *    pg-boss-layout.ts).
 *  - graphile-worker 0.16+: a schema (default `graphile_worker`) with `_private_jobs` and
 *    `_private_tasks`.
 *  - River (migration line main 004+): `river_job` and `river_queue`; Oban: `oban_jobs`
 *    (`oban_peers` from v11; whether its state enum has `suspended`, v14, from pg_enum);
 *    Que 1.x/2.x: `que_jobs` and `que_lockers` (migration 4+).
 *  - Solid Queue 1.x: `solid_queue_jobs` with its execution and process tables;
 *    GoodJob 4.x: `good_jobs` with `good_job_executions`, `good_job_processes`, `good_job_settings`.
 */
import type { Sql } from './connection';
import type { PgJobSystem } from './job-system';
import { detectPgBoss } from './systems/pg-boss/pg-boss';
import { GraphileWorker } from './systems/graphile-worker/graphile-worker';
import { River } from './systems/river/river';
import { Oban } from './systems/oban/oban';
import { Que } from './systems/que/que';
import { SolidQueue } from './systems/solid-queue/solid-queue';
import { GoodJob } from './systems/good-job/good-job';

export const DETECTION_SQL = `
  SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind,
    -- Row-level security hides every row from a non-owner without BYPASSRLS or a policy.
    (c.relrowsecurity AND NOT pg_has_role(c.relowner, 'USAGE')
      AND NOT (SELECT rolbypassrls FROM pg_catalog.pg_roles WHERE rolname = current_user)
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*')
        AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM unnest(p.polroles) r WHERE pg_has_role(r, 'USAGE'))))) AS hidden,
    has_table_privilege(c.oid, 'SELECT') AS readable
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relname IN ('job', 'queue', 'archive', 'version', '_private_jobs', '_private_tasks',
      'river_job', 'river_queue', 'oban_jobs', 'oban_peers', 'que_jobs', 'que_lockers',
      'solid_queue_jobs', 'solid_queue_ready_executions', 'solid_queue_failed_executions', 'solid_queue_processes',
      'good_jobs', 'good_job_executions', 'good_job_processes', 'good_job_settings')
    AND c.relkind IN ('r', 'p', 'v')
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
    AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
  ORDER BY 1, 2`;

export interface Detection {
  systems: PgJobSystem[];
  notices: string[];
}

/** Whether the enum of `<schema>.oban_jobs.state` has `suspended` (Oban migration v14); the catalog is readable by every role. */
async function obanHasSuspended(sql: Sql, schema: string): Promise<boolean> {
  const [row] = await sql<{ suspended: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_enum e ON e.enumtypid = a.atttypid
       WHERE a.attrelid = to_regclass(format('%I.oban_jobs', $1::text)) AND a.attname = 'state' AND e.enumlabel = 'suspended'
     ) AS suspended`,
    [schema]
  );
  return !!row?.suspended;
}

export async function detectSystems(sql: Sql, schemas: string[] | undefined): Promise<Detection> {
  const rows = await sql<{ schema: string; name: string; kind: string; hidden: boolean; readable: boolean }>(
    DETECTION_SQL,
    [schemas ?? null]
  );
  const bySchema = new Map<string, Map<string, string>>();
  const hidden = new Set(rows.filter((r) => r.hidden).map((r) => `${r.schema}.${r.name}`));
  for (const r of rows) {
    const tables = bySchema.get(r.schema) ?? new Map<string, string>();
    tables.set(r.name, r.kind);
    bySchema.set(r.schema, tables);
  }
  const systems: PgJobSystem[] = [];
  const notices: string[] = [];
  for (const [schema, tables] of bySchema) {
    if (tables.has('job') && tables.has('version')) {
      const pgBoss = await detectPgBoss(
        sql,
        schema,
        rows.some((r) => r.schema === schema && r.name === 'version' && r.readable)
      );
      if (typeof pgBoss === 'string') {
        notices.push(pgBoss);
      } else {
        systems.push(pgBoss);
      }
    }
    if (tables.has('_private_jobs') && tables.has('_private_tasks')) {
      systems.push(new GraphileWorker(schema));
      const blind = ['_private_jobs', '_private_tasks'].filter((t) => hidden.has(`${schema}.${t}`));
      if (blind.length > 0) {
        notices.push(
          `graphile-worker in schema "${schema}" enables row-level security on ${blind.join(' and ')}: this user sees none of their rows. ` +
            `Grant a read-only policy, e.g. ${blind.map((t) => `CREATE POLICY jobscope_read ON "${schema}".${t} FOR SELECT TO <user> USING (true);`).join(' ')}`
        );
      }
    }
    if (tables.has('river_job')) {
      if (tables.has('river_queue')) {
        systems.push(new River(schema));
      } else {
        notices.push(
          `River before migration 004 (no river_queue) found in schema "${schema}": this layout is not read (run River's migrations up)`
        );
      }
    }
    if (tables.has('oban_jobs')) {
      systems.push(new Oban(schema, tables.has('oban_peers'), await obanHasSuspended(sql, schema)));
    }
    if (tables.has('que_jobs')) {
      if (tables.has('que_lockers')) {
        systems.push(new Que(schema));
      } else {
        notices.push(
          `Que before 1.0 (no que_lockers) found in schema "${schema}": this layout is not read (upgrade Que's schema to migration 4 or later)`
        );
      }
    }
    const solidQueue = [
      'solid_queue_jobs',
      'solid_queue_ready_executions',
      'solid_queue_failed_executions',
      'solid_queue_processes',
    ];
    if (tables.has('solid_queue_jobs')) {
      if (solidQueue.every((t) => tables.has(t))) {
        systems.push(new SolidQueue(schema));
      } else {
        notices.push(
          `Solid Queue tables in schema "${schema}" are incomplete (missing ${solidQueue.filter((t) => !tables.has(t)).join(', ')}): not read; load Solid Queue's db/queue_schema.rb`
        );
      }
    }
    const goodJob = ['good_jobs', 'good_job_executions', 'good_job_processes', 'good_job_settings'];
    if (tables.has('good_jobs')) {
      if (goodJob.every((t) => tables.has(t))) {
        systems.push(new GoodJob(schema));
      } else {
        notices.push(
          `GoodJob before 4.0 found in schema "${schema}" (missing ${goodJob.filter((t) => !tables.has(t)).join(', ')}): not read; run GoodJob's pending migrations (bin/rails g good_job:update)`
        );
      }
    }
  }
  for (const wanted of schemas ?? []) {
    if (!bySchema.has(wanted)) {
      notices.push(`schema "${wanted}" (from the settings) holds no job tables, or this user cannot see it`);
    }
  }
  return { systems, notices };
}
