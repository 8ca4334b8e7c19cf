/**
 * A Redis connection built from data source settings. Commands fail fast while Redis is
 * unreachable (no unbounded offline queue), so a query answers with an error instead of
 * hanging; ioredis keeps reconnecting in the background.
 */
import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { DatasourceConfig } from '../../instances/settings';
import { badRequest, brokerFailed, safeUrl } from '../../errors/errors';
import type { Logger } from '../../protocol/logger';

export function redisOptions(config: DatasourceConfig): { url: string; options: RedisOptions } {
  const url = config.json.url || 'redis://127.0.0.1:6379';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`Redis URL "${url}" is not a valid URL (expected redis://host:port/db or rediss://…)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw badRequest(`Redis URL must start with redis:// or rediss://, got "${parsed.protocol}//"`);
  }
  const options: RedisOptions = {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 250, 3000),
    connectionName: 'jobscope',
  };
  if (config.json.username) {
    options.username = config.json.username;
  }
  if (config.secure.password) {
    options.password = config.secure.password;
  }
  if (parsed.protocol === 'rediss:' || config.secure.tlsCACert || config.secure.tlsClientCert) {
    options.tls = {
      rejectUnauthorized: !config.json.tlsSkipVerify,
      ca: config.secure.tlsCACert || undefined,
      cert: config.secure.tlsClientCert || undefined,
      key: config.secure.tlsClientKey || undefined,
      servername: parsed.hostname,
    };
  }
  return { url, options };
}

/** Turns ioredis/Redis failures into messages a Grafana user can act on. */
export function describeRedisError(err: Error, url: string): Error {
  const m = err.message || String(err);
  const where = safeUrl(url);
  if (/WRONGPASS|NOAUTH|invalid username-password|AUTH/.test(m)) {
    return brokerFailed(`Redis at ${where} refused the credentials: check the username and password (${m})`);
  }
  if (/NOPERM/.test(m)) {
    return brokerFailed(`Redis at ${where} denied a read command to this user: grant it read access (${m})`);
  }
  if (/certificate|self[- ]signed|SSL|TLS|EPROTO|wrong version number/i.test(m)) {
    return brokerFailed(
      `TLS with Redis at ${where} failed: ${m}. Add the server's CA certificate to the data source, or skip verification for a test server`,
    );
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|connect|Connection is closed|max retries|Stream isn't writeable/i.test(m)) {
    return brokerFailed(`cannot reach Redis at ${where}: ${m}`);
  }
  return brokerFailed(`Redis at ${where} answered with an error: ${m}`);
}


/** `host:port,host:port` → ioredis node list. */
export function parseNodes(text: string | undefined, defaultPort: number): Array<{ host: string; port: number }> {
  const nodes = (text ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
    .map((n) => {
      const i = n.lastIndexOf(':');
      const host = i > 0 ? n.slice(0, i) : n;
      const port = i > 0 ? Number(n.slice(i + 1)) : defaultPort;
      if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw badRequest(`Redis node "${n}" is not host:port`);
      }
      return { host, port };
    });
  if (nodes.length === 0) {
    throw badRequest('Sentinel and Cluster modes need at least one node (host:port) in "Redis nodes"');
  }
  return nodes;
}

export interface RedisConnection {
  client: Redis | Cluster;
  /** The latest connection-level error: ioredis reports its cause only as an event. */
  lastError(): Error | undefined;
}

function connect(config: DatasourceConfig, url: string, options: RedisOptions): Redis | Cluster {
  switch (config.json.redisMode ?? 'standalone') {
    case 'standalone':
      return new Redis(url, options);
    case 'sentinel': {
      const name = config.json.sentinelMaster;
      if (!name) {
        throw badRequest('Sentinel mode needs the master name');
      }
      // Credentials and TLS from the URL/settings apply to the master and the sentinels.
      const db = Number(new URL(url).pathname.slice(1)) || 0;
      return new Redis({
        ...options,
        db,
        sentinels: parseNodes(config.json.redisNodes, 26379),
        name,
        sentinelUsername: options.username,
        sentinelPassword: options.password,
        enableTLSForSentinelMode: Boolean(options.tls),
        sentinelTLS: options.tls,
      });
    }
    case 'cluster':
      return new Cluster(parseNodes(config.json.redisNodes, 6379), {
        lazyConnect: true,
        enableAutoPipelining: true,
        redisOptions: { ...options, lazyConnect: false },
        clusterRetryStrategy: (attempt) => Math.min(attempt * 250, 3000),
      });
    default:
      throw badRequest(`unknown Redis mode "${String(config.json.redisMode)}": standalone, sentinel or cluster`);
  }
}

export function createRedis(config: DatasourceConfig, log: Logger): RedisConnection {
  const { url, options } = redisOptions(config);
  const client = connect(config, url, options);
  let lastLogged = 0;
  let lastError: Error | undefined;
  client.on('ready', () => (lastError = undefined));
  client.on('error', (err: Error) => {
    lastError = err;
    // ioredis emits on every reconnect attempt; log at most every 30 s per connection.
    if (Date.now() - lastLogged > 30_000) {
      lastLogged = Date.now();
      log.warn('redis connection error', { datasource: config.uid, url: safeUrl(url), error: err.message });
    }
  });
  return { client, lastError: () => lastError };
}
