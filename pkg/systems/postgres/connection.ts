/**
 * Settings → a small pg Pool, and the one way Jobscope talks to PostgreSQL: every read
 * runs inside `BEGIN READ ONLY; SET LOCAL statement_timeout = …; …; COMMIT`, so no
 * statement can write, and none can run away. Errors become messages a Grafana user can
 * act on, never containing the password.
 */
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { DatasourceConfig } from '../../instances/settings';
import { badRequest, brokerFailed, JobscopeError } from '../../errors/errors';

/** Per-statement limit; a slow catalog or a missing index shows as an error, not a hang. */
export const STATEMENT_TIMEOUT_MS = 5_000;
const POOL_SIZE = 3;

export interface PostgresOptions {
  pool: PoolConfig;
  /** postgres://user@host:port/db, without password, for messages. */
  display: string;
  /** Schemas to look in; undefined means detect in every schema. */
  schemas?: string[];
  /** jsonData.maxExactRows: above this many rows to read without an index, estimate. */
  maxExactRows: number;
}

export const DEFAULT_MAX_EXACT_ROWS = 2_000_000;

export function postgresOptions(config: DatasourceConfig): PostgresOptions {
  const json = config.json as any;
  const raw = String(json.url ?? '').trim();
  if (!raw) {
    throw badRequest('set the PostgreSQL URL in the data source settings, e.g. postgres://jobscope@db.example:5432/app');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest('the PostgreSQL URL is not a valid URL; expected postgres://user@host:5432/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw badRequest(`the URL scheme "${url.protocol}" is not PostgreSQL; expected postgres://user@host:5432/database`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) {
    throw badRequest('the PostgreSQL URL names no database; expected postgres://user@host:5432/database');
  }
  const user = decodeURIComponent(url.username || json.username || '') || undefined;
  const password = config.secure.password || decodeURIComponent(url.password || '') || undefined;
  const sslmode = url.searchParams.get('sslmode');
  // An explicit ?sslmode=disable wins over the TLS switch and a saved CA certificate.
  const wantsTls = sslmode !== 'disable' && (json.tls === true || sslmode !== null || !!config.secure.tlsCACert);
  const ssl = wantsTls
    ? {
        rejectUnauthorized: !json.tlsSkipVerify && sslmode !== 'require' && sslmode !== 'prefer',
        ca: config.secure.tlsCACert || undefined,
        cert: config.secure.tlsClientCert || undefined,
        key: config.secure.tlsClientKey || undefined,
      }
    : undefined;
  const schemas = parseSchemas(json.schemas);
  const port = Number(url.port) || 5432;
  return {
    pool: {
      host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, ''),
      port,
      database,
      user,
      password,
      ssl,
      max: POOL_SIZE,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: STATEMENT_TIMEOUT_MS,
      application_name: 'jobscope',
    },
    display: `postgres://${user ? `${user}@` : ''}${url.hostname}:${port}/${database}`,
    schemas,
    maxExactRows: Number(json.maxExactRows) > 0 ? Number(json.maxExactRows) : DEFAULT_MAX_EXACT_ROWS,
  };
}

function parseSchemas(value: unknown): string[] | undefined {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  const names = list.map((s) => s.trim()).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

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
    await client.query(`BEGIN READ ONLY; SET LOCAL statement_timeout = '${STATEMENT_TIMEOUT_MS}ms'`);
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
      return brokerFailed(`cannot reach PostgreSQL at ${where} (${e.code}): check the host and port, and that the server is running`);
    case '28P01':
    case '28000':
      // The server's reason says which pg_hba.conf rule failed, e.g. "…, no encryption" when TLS is required.
      return brokerFailed(
        `PostgreSQL at ${where} refused user "${user}" (${e.code}): check the user name, the password and pg_hba.conf (${clean(e.message, options)})`
      );
    case '3D000':
      return badRequest(`database "${db}" does not exist on ${where}: check the database name in the URL`);
    case '42501':
      return brokerFailed(`user "${user}" lacks a privilege on ${where}: grant USAGE on the job schemas and SELECT on their tables (${clean(e.message, options)})`);
    case '57014':
      return brokerFailed(`a query on ${where} ran longer than ${STATEMENT_TIMEOUT_MS / 1000} s and was cancelled (statement_timeout)`);
    case '57P03':
    case '53300':
      return brokerFailed(`PostgreSQL at ${where} is not accepting connections (${e.code}): ${clean(e.message, options)}`);
  }
  if (/timeout exceeded when trying to connect|Connection terminated/i.test(e.message ?? '')) {
    return brokerFailed(`cannot reach PostgreSQL at ${where}: ${clean(e.message, options)}`);
  }
  if (/SSL|certificate|self[- ]signed/i.test(e.message ?? '')) {
    return brokerFailed(`TLS to PostgreSQL at ${where} failed: ${clean(e.message, options)}; check the CA certificate or the TLS settings`);
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
