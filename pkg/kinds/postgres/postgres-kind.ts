/**
 * The `postgres` data source kind: job tables in PostgreSQL (pg-boss, graphile-worker,
 * River, Oban, Que, Solid Queue, GoodJob). A small pool; each health check or query runs in
 * ONE read-only transaction with a statement timeout (connection.ts), so the systems of a
 * query are read one after the other; systems are detected from the catalog (detect.ts),
 * and each query type costs one statement per system found.
 */
import type { Pool } from 'pg';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { Kind, ReadContext, SystemsFound } from '../../source/job-system';
import { createPool, readOnly, type PostgresOptions } from './connection';
import { postgresSettings } from './settings';
import { detectSystems } from './detect';
import type { PgReadContext } from './job-system';
import { asFound } from './as-found';
import { JobSource } from '../../source/job-source';

export class PostgresKind implements Kind<PgReadContext> {
  readonly id = 'postgres' as const;
  readonly parallel = false;
  readonly settings: PostgresOptions;
  private readonly pool: Pool;

  constructor(config: DatasourceConfig, _log: Logger) {
    this.settings = postgresSettings(config);
    this.pool = createPool(this.settings);
  }

  session<T>(base: ReadContext, fn: (ctx: PgReadContext) => Promise<T>): Promise<T> {
    return readOnly(this.pool, this.settings, (sql) => fn({ ...base, sql, maxExactRows: this.settings.maxExactRows }));
  }

  async systems(ctx: PgReadContext): Promise<SystemsFound<PgReadContext>> {
    const { systems, notices } = await detectSystems(ctx.sql, this.settings.schemas);
    // A system found in several schemas names its queues `<schema>/<queue>`, so that two
    // pg-boss schemas with a queue "emails" still give series with labels of their own.
    const shared = (id: string) => systems.filter((s) => s.id === id).length > 1;
    return {
      systems: systems.map((s) => asFound(s, shared(s.id) ? `${s.schema}/` : '')),
      detected: true,
      notices,
    };
  }

  async server(ctx: PgReadContext): Promise<{ name: string }> {
    const [{ version, db }] = await ctx.sql<{ version: string; db: string }>(
      `SELECT current_setting('server_version') AS version, current_database() AS db`
    );
    return { name: `PostgreSQL ${version}, database "${db}"` };
  }

  where(found: SystemsFound<PgReadContext>): string {
    return found.systems.map((s) => s.describe).join(', ') || `database ${this.settings.display} (no job system found)`;
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/** The source serving a `postgres` data source. */
export type PostgresSource = JobSource<PgReadContext>;

export function postgresSource(config: DatasourceConfig, log: Logger): PostgresSource {
  return new JobSource(new PostgresKind(config, log));
}
