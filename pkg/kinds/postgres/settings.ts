/**
 * Settings of the `postgres` kind, typed and validated once when the instance is made:
 *   url            postgres://user@host:5432/database (?sslmode= honoured)
 *   username       when the URL names no user
 *   schemas        schemas to look in, comma-separated (or a list); empty looks everywhere
 *   tls            require TLS (also implied by ?sslmode= or a CA certificate)
 *   tlsSkipVerify  accept any server certificate
 *   maxExactRows   above this many rows to read without an index, counts are estimated
 *   secure password, tlsCACert / tlsClientCert / tlsClientKey
 * plus the settings every kind shares (settings-checks.ts). Nothing here logs.
 */
import type { PoolConfig } from 'pg';
import type { DatasourceConfig } from '../../instances/settings';
import { badRequest } from '../../errors/errors';
import {
  commonSettings,
  CommonSettings,
  Json,
  optionalFlag,
  optionalInteger,
  optionalList,
  optionalText,
  parseUrl,
  pemCertificates,
} from '../settings-checks';

const POOL_SIZE = 3;
const URL_EXAMPLE = 'postgres://user@host:5432/database';
export const DEFAULT_MAX_EXACT_ROWS = 2_000_000;

export interface PostgresSettings extends CommonSettings {
  pool: PoolConfig;
  /** postgres://user@host:port/db, without password, for messages. */
  display: string;
  /** Schemas to look in; undefined means detect in every schema. */
  schemas?: string[];
  /** jsonData.maxExactRows: above this many rows to read without an index, estimate. */
  maxExactRows: number;
}

export function postgresSettings(config: DatasourceConfig): PostgresSettings {
  const json = config.json as Json;
  const common = commonSettings(json);
  const raw = optionalText(json, 'url', `a PostgreSQL URL (text), e.g. ${URL_EXAMPLE}`);
  if (!raw) {
    throw badRequest(
      `set the PostgreSQL URL in the data source settings, e.g. ${URL_EXAMPLE.replace('user', 'jobscope').replace('host', 'db.example').replace('database', 'app')}`
    );
  }
  const url = parseUrl(raw, 'url', ['postgres', 'postgresql'], URL_EXAMPLE);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) {
    throw badRequest(`setting url: the PostgreSQL URL names no database; expected ${URL_EXAMPLE}`);
  }
  const user = decodeURIComponent(url.username) || optionalText(json, 'username') || undefined;
  const password = config.secure.password || decodeURIComponent(url.password || '') || undefined;
  const sslmode = url.searchParams.get('sslmode');
  const ca = pemCertificates(config.secure.tlsCACert, 'tlsCACert');
  const cert = pemCertificates(config.secure.tlsClientCert, 'tlsClientCert');
  const skipVerify = optionalFlag(json, 'tlsSkipVerify');
  // An explicit ?sslmode=disable wins over the TLS switch and a saved CA certificate.
  const wantsTls = sslmode !== 'disable' && (optionalFlag(json, 'tls') || sslmode !== null || !!ca);
  const ssl = wantsTls
    ? {
        rejectUnauthorized: !skipVerify && sslmode !== 'require' && sslmode !== 'prefer',
        ca,
        cert,
        key: config.secure.tlsClientKey || undefined,
      }
    : undefined;
  const schemas = optionalList(json, 'schemas', 'schema names, comma-separated (text)');
  const port = Number(url.port) || 5432;
  return {
    ...common,
    pool: {
      host: decodeURIComponent(url.hostname).replace(/^\[|\]$/g, ''),
      port,
      database,
      user,
      password,
      ssl,
      max: POOL_SIZE,
      idleTimeoutMillis: 30_000,
      // Connecting (TCP, TLS, startup, authentication) and each query are bounded by timeoutSeconds.
      connectionTimeoutMillis: common.timeoutMs,
      query_timeout: common.timeoutMs,
      application_name: 'jobscope',
    },
    display: `postgres://${user ? `${user}@` : ''}${url.hostname}:${port}/${database}`,
    schemas: schemas.length > 0 ? schemas : undefined,
    maxExactRows: optionalInteger(json, 'maxExactRows', 1, Number.MAX_SAFE_INTEGER, ' rows') ?? DEFAULT_MAX_EXACT_ROWS,
  };
}
