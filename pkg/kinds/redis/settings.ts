/**
 * Settings of the `redis` kind, typed and validated once when the data source's instance
 * is made (jsonData + secure fields):
 *   url            redis://[user[:password]@]host:port/<db> (rediss:// for TLS); db 0 by default
 *   redisMode      standalone (default) | sentinel | cluster
 *   redisNodes     sentinel or cluster seed nodes, host:port,host:port
 *   sentinelMaster the monitored master's name (sentinel)
 *   username       ACL user (wins over the URL's); the secure `password` wins over the URL's
 *   tlsSkipVerify  accept any server certificate
 *   bullPrefix, sidekiqNamespace, rqPrefix, celeryVisibilityTimeout   per job system
 *   secure tlsCACert / tlsClientCert / tlsClientKey   PEM
 * plus the settings every kind shares (settings-checks.ts). Nothing here logs.
 */
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
  parseHostPort,
  parseUrl,
  pemCertificates,
} from '../settings-checks';

export const REDIS_MODES = ['standalone', 'sentinel', 'cluster'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const URL_EXAMPLE = 'redis://host:6379/0 or rediss://host:6380/0';
/** Redis' own limit is the server's `databases` setting; anything above 2^31 is never valid. */
const MAX_DB_INDEX = 2 ** 31 - 1;

export interface RedisSettings extends CommonSettings {
  mode: RedisMode;
  /** The URL with its userinfo removed, for messages. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** Sentinel or cluster seed nodes. */
  nodes: Array<{ host: string; port: number }>;
  sentinelMaster?: string;
  tls?: { rejectUnauthorized: boolean; ca?: string; cert?: string; key?: string; servername: string };
  bullPrefix?: string;
  sidekiqNamespace: string;
  rqPrefix?: string;
  /** Celery's broker visibility_timeout, seconds. */
  celeryVisibilityTimeout?: number;
}

export function redisSettings(config: DatasourceConfig): RedisSettings {
  const json = config.json as Json;
  const secure = config.secure;
  const url = parseUrl(
    optionalText(json, 'url', 'a Redis URL (text)') ?? DEFAULT_URL,
    'url',
    ['redis', 'rediss'],
    URL_EXAMPLE
  );
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path)) {
    throw badRequest(`setting url: the database index "/${path}" must be a whole number from 0 (redis://host:6379/0)`);
  }
  const db = path === '' ? 0 : Number(path);
  if (db > MAX_DB_INDEX) {
    throw badRequest(`setting url: the database index ${path} is out of range`);
  }
  const mode = (optionalText(json, 'redisMode', 'standalone, sentinel or cluster') ?? 'standalone') as RedisMode;
  if (!REDIS_MODES.includes(mode)) {
    throw badRequest(`setting redisMode: must be standalone, sentinel or cluster, got "${mode}"`);
  }
  const nodes = optionalList(json, 'redisNodes', 'text: host:port,host:port').map((n) =>
    parseHostPort(n, 'redisNodes', mode === 'sentinel' ? 26379 : 6379)
  );
  if (mode !== 'standalone' && nodes.length === 0) {
    throw badRequest(`setting redisNodes: ${mode} mode needs at least one node (host:port)`);
  }
  const sentinelMaster = optionalText(json, 'sentinelMaster', "the sentinel master's name (text)");
  if (mode === 'sentinel' && !sentinelMaster) {
    throw badRequest('setting sentinelMaster: Sentinel mode needs the master name');
  }
  const ca = pemCertificates(secure.tlsCACert, 'tlsCACert');
  const cert = pemCertificates(secure.tlsClientCert, 'tlsClientCert');
  const wantsTls = url.protocol === 'rediss:' || !!ca || !!cert;
  const skipVerify = optionalFlag(json, 'tlsSkipVerify');
  const username = optionalText(json, 'username') ?? (decodeURIComponent(url.username) || undefined);
  const password = secure.password || decodeURIComponent(url.password) || undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    ...commonSettings(json),
    mode,
    display: `${url.protocol}//${url.host}/${db}`,
    host,
    port: Number(url.port) || 6379,
    db,
    username,
    password,
    nodes,
    sentinelMaster,
    tls: wantsTls
      ? {
          rejectUnauthorized: !skipVerify,
          ca,
          cert,
          key: secure.tlsClientKey || undefined,
          servername: host,
        }
      : undefined,
    bullPrefix: optionalText(json, 'bullPrefix', 'a key prefix (text)'),
    sidekiqNamespace: optionalText(json, 'sidekiqNamespace', 'a key namespace (text)') ?? '',
    rqPrefix: optionalText(json, 'rqPrefix', 'a key prefix (text)'),
    celeryVisibilityTimeout: optionalInteger(json, 'celeryVisibilityTimeout', 1, 10 * 365 * 86400, ' seconds'),
  };
}
