/**
 * Throw-away databases for the `postgres` kind tests: each test file gets its own
 * database (jobscope_test_<random>) on the loopback server, dropped afterwards, plus a
 * login role that may only SELECT (no write, no DDL) to prove the reads are read-only.
 */
import { randomBytes } from 'crypto';
import { Client } from 'pg';
import type { DatasourceConfig } from '../../../pkg/instances/settings';
import type { Logger } from '../../../pkg/logging/logger';
import { postgresSource, type PostgresSource } from '../../../pkg/kinds/postgres/postgres-kind';
import { JOB_STATES } from '../../../pkg/model/query';
import type { DatasourceSettings } from '../../harness/grpc-client';

const ADMIN_URL = new URL(process.env.JOBSCOPE_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres');

export interface TestDb {
  name: string;
  /** Admin URL of the test database (the test's own writes: library setup, jobs). */
  url: string;
  /** postgres://host:port/db without user, for data source settings. */
  hostPort: string;
  admin: Client;
  /** A role with USAGE on `schemas` and SELECT on their tables only. */
  readOnlyRole(schemas: string[]): Promise<{ user: string; password: string }>;
  drop(): Promise<void>;
}

function urlFor(db: string, user = ADMIN_URL.username): string {
  const u = new URL(ADMIN_URL.toString());
  u.pathname = `/${db}`;
  u.username = user;
  return u.toString();
}

export async function createTestDb(): Promise<TestDb> {
  const name = `jobscope_test_${randomBytes(5).toString('hex')}`;
  const root = new Client({ connectionString: ADMIN_URL.toString() });
  await root.connect();
  await root.query(`CREATE DATABASE ${name}`);
  await root.end();
  const admin = new Client({ connectionString: urlFor(name) });
  await admin.connect();
  const roles: string[] = [];
  return {
    name,
    url: urlFor(name),
    hostPort: `${ADMIN_URL.hostname}:${ADMIN_URL.port || 5432}`,
    admin,
    async readOnlyRole(schemas) {
      const user = `${name}_ro_${randomBytes(3).toString('hex')}`;
      const password = randomBytes(12).toString('hex');
      await admin.query(`CREATE ROLE ${user} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE`);
      roles.push(user);
      await admin.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      for (const s of schemas) {
        await admin.query(
          `GRANT USAGE ON SCHEMA ${s} TO ${user}; GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${user}`
        );
      }
      return { user, password };
    },
    async drop() {
      await admin.end().catch(() => undefined);
      const c = new Client({ connectionString: ADMIN_URL.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      for (const r of roles) {
        await c.query(`DROP ROLE IF EXISTS ${r}`);
      }
      await c.end();
    },
  };
}

/** Data source settings that read `db` as `role` (from readOnlyRole), its password a secure field. */
export function roleDatasource(
  db: TestDb,
  role: { user: string; password: string },
  uid: string,
  json: Record<string, unknown> = {}
): DatasourceSettings {
  return {
    uid,
    jsonData: { kind: 'postgres', url: `postgres://${role.user}@${db.hostPort}/${db.name}`, ...json },
    secureJsonData: { password: role.password },
  };
}

const quiet: Logger = new Proxy({}, { get: () => () => undefined }) as Logger;

/** The `postgres` source in-process, as createSource would build it. */
export function pgSource(
  db: TestDb,
  json: Record<string, unknown> = {},
  secure: Record<string, string> = {}
): PostgresSource {
  const config: DatasourceConfig = {
    uid: `pg-${db.name}`,
    name: db.name,
    kind: 'postgres',
    json: { kind: 'postgres', url: db.url, ...json } as any,
    secure,
    version: 1,
  };
  return postgresSource(config, quiet);
}

/** A query window of the last hour. */
export function lastHour(now = Date.now()) {
  return { from: now - 3600_000, to: now + 1000, now, intervalMs: 60_000 };
}

/**
 * Reads every query type, then every job state's list with `search`, each over the last hour:
 * what a SELECT-only role must answer without an error.
 */
export async function readEveryQueryType(source: PostgresSource, search: string): Promise<void> {
  for (const queryType of ['overview', 'failures', 'timeseries', 'workers'] as const) {
    await source.read({ refId: 'A', queryType }, lastHour());
  }
  for (const state of JOB_STATES) {
    await source.read({ refId: 'A', queryType: 'jobs', state, search }, lastHour());
  }
}

/** Every node of the plan PostgreSQL makes for `sql` (EXPLAIN, FORMAT JSON), depth first. */
export async function planNodes(client: Client, sql: string, params: unknown[]): Promise<any[]> {
  const plan = (await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN'];
  const nodes: any[] = [];
  const walk = (n: any) => {
    nodes.push(n);
    (n.Plans ?? []).forEach(walk);
  };
  walk(plan[0].Plan);
  return nodes;
}

/** Polls until `fn` is truthy (library workers run asynchronously). */
export async function until<T>(fn: () => Promise<T>, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
