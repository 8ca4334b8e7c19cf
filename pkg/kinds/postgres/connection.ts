/**
 * Settings → a small pg Pool, and the one way Jobscope talks to PostgreSQL: every read
 * runs inside `BEGIN READ ONLY; SET LOCAL statement_timeout = …; …; COMMIT`, so no
 * statement can write, and none can run away. Errors become messages a Grafana user can
 * act on, never containing the password.
 */
import { Pool, type PoolClient } from 'pg';
import type { PostgresSettings } from './settings';
import { badRequest, brokerFailed, JobscopeError, timedOut } from '../../errors/errors';

/** The typed settings (pkg/kinds/postgres/settings.ts) a pool and its messages are made from. */
export type PostgresOptions = PostgresSettings;

export function createPool(options: PostgresOptions): Pool {
  const pool = new Pool(options.pool);
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  return pool;
}

/** A read-only transaction's query function. */
export type Sql = <R = any>(text: string, params?: unknown[]) => Promise<R[]>;

/**
 * Runs `fn` in one read-only transaction with a statement timeout; always ends it with
 * COMMIT (nothing was written) or ROLLBACK on error, and returns the client to the pool.
 */
export async function readOnly<T>(pool: Pool, options: PostgresOptions, fn: (sql: Sql) => Promise<T>): Promise<T> {
  let client: PoolClient | undefined;
  try {
    client = await pool.connect();
    // The server cancels a statement just before the client gives up on it (query_timeout).
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = '${Math.max(500, options.timeoutMs - 250)}ms'`);
    const c = client;
    const result = await fn(async (text, params) => (await c.query(text, params as any[])).rows);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client?.query('ROLLBACK').catch(() => undefined);
    throw describePostgresError(err, options);
  } finally {
    client?.release();
  }
}

/** PostgreSQL/driver errors → JobscopeError with an actionable message and no secret. */
export function describePostgresError(err: unknown, options: PostgresOptions): JobscopeError {
  if (err instanceof JobscopeError) {
    return err;
  }
  const e = err as Error & { code?: string };
  const where = options.display;
  const db = options.pool.database;
  const user = options.pool.user ?? '(default user)';
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
      return brokerFailed(
        `cannot reach PostgreSQL at ${where} (${e.code}): check the host and port, and that the server is running`
      );
    case '28P01':
    case '28000':
      // The server's reason says which pg_hba.conf rule failed, e.g. "…, no encryption" when TLS is required.
      return brokerFailed(
        `PostgreSQL at ${where} refused user "${user}" (${e.code}): check the user name, the password and pg_hba.conf (${clean(e.message, options)})`
      );
    case '3D000':
      return badRequest(`database "${db}" does not exist on ${where}: check the database name in the URL`);
    case '42501':
      return brokerFailed(
        `user "${user}" lacks a privilege on ${where}: grant USAGE on the job schemas and SELECT on their tables (${clean(e.message, options)})`
      );
    case '57014':
      return timedOut(
        `a query on ${where} ran longer than ${options.timeoutMs / 1000} s (timeoutSeconds) and was cancelled (statement_timeout)`
      );
    case '57P03':
    case '53300':
      return brokerFailed(
        `PostgreSQL at ${where} is not accepting connections (${e.code}): ${clean(e.message, options)}`
      );
  }
  if (/timeout exceeded when trying to connect|Query read timeout|connection timeout/i.test(e.message ?? '')) {
    return timedOut(
      `PostgreSQL at ${where} did not answer within ${options.timeoutMs / 1000} s (timeoutSeconds): ${clean(e.message, options)}`
    );
  }
  if (/Connection terminated/i.test(e.message ?? '')) {
    return brokerFailed(`cannot reach PostgreSQL at ${where}: ${clean(e.message, options)}`);
  }
  if (/SSL|certificate|self[- ]signed/i.test(e.message ?? '')) {
    return brokerFailed(
      `TLS to PostgreSQL at ${where} failed: ${clean(e.message, options)}; check the CA certificate or the TLS settings`
    );
  }
  if (e.code && /^[0-9A-Z]{5}$/.test(e.code)) {
    return brokerFailed(`PostgreSQL at ${where} answered ${e.code}: ${clean(e.message, options)}`);
  }
  return brokerFailed(`PostgreSQL at ${where} failed: ${clean(e.message ?? String(err), options)}`);
}

function clean(message: string, options: PostgresOptions): string {
  const secret = typeof options.pool.password === 'string' ? options.pool.password : '';
  return secret ? message.split(secret).join('***') : message;
}

/** Quotes an identifier (schema names come from the catalog or the settings). */
export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
