/**
 * A Redis connection built from the kind's typed settings (pkg/kinds/redis/settings.ts).
 * Every wait is bounded by the data source's time bound: connecting, each command, and
 * the Sentinel and Cluster reconnect loops, which give up after a few rounds instead of
 * retrying forever (the next call starts again). Commands fail fast while Redis is
 * unreachable (no unbounded offline queue), so a query answers with an error instead of
 * hanging.
 */
import Redis, { Cluster, RedisOptions } from 'ioredis';
import type { RedisSettings } from './settings';
import { badRequest, brokerFailed, JobscopeError, timedOut } from '../../errors/errors';
import type { Logger } from '../../logging/logger';

/** Rounds of reconnecting to sentinels or cluster seeds before a call gives up. */
const MAX_DISCOVERY_ROUNDS = 3;
const backoff = (attempt: number) => Math.min(attempt * 250, 3000);

/** Options shared by the main and the bulk connection (never the URL: ioredis would parse it again). */
export function redisOptions(s: RedisSettings): RedisOptions {
  return {
    host: s.host,
    port: s.port,
    db: s.db,
    username: s.username,
    password: s.password,
    tls: s.tls,
    lazyConnect: true,
    connectTimeout: s.timeoutMs,
    commandTimeout: s.timeoutMs,
    maxRetriesPerRequest: 1,
    enableReadyCheck: true,
    retryStrategy: backoff,
    connectionName: 'jobscope',
  };
}

/** The server (or the sentinel / cluster nodes) a data source reads, for messages and logs. */
export function redisWhere(s: RedisSettings): string {
  return s.mode === 'standalone' ? s.display : `${s.mode} nodes ${s.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
}

/** Turns ioredis/Redis failures into messages a Grafana user can act on (never the password). */
export function describeRedisError(err: Error, s: RedisSettings): JobscopeError {
  if (err instanceof JobscopeError) {
    return err;
  }
  const m = err.message || String(err);
  const where =
    s.mode === 'standalone' ? s.display : `${s.mode} ${s.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (/DB index is out of range|invalid DB index/i.test(m)) {
    return badRequest(`setting url: Redis at ${where} has no database ${s.db} (the /<db> of the URL): ${m}`);
  }
  if (/WRONGPASS|NOAUTH|invalid username-password|AUTH.*without any password|AUTH/.test(m)) {
    return brokerFailed(`Redis at ${where} refused the credentials: check the username and password (${m})`);
  }
  if (/NOPERM/.test(m)) {
    return brokerFailed(`Redis at ${where} denied a read command to this user: grant it read access (${m})`);
  }
  if (/certificate|self[- ]signed|SSL|TLS|EPROTO|wrong version number/i.test(m)) {
    return brokerFailed(
      `TLS with Redis at ${where} failed: ${m}. Add the server's CA certificate to the data source, or skip verification for a test server`
    );
  }
  if (/Command timed out|ETIMEDOUT|did not answer/i.test(m)) {
    return timedOut(`Redis at ${where} did not answer within ${s.timeoutMs / 1000} s (timeoutSeconds): ${m}`);
  }
  if (
    /All sentinels are unreachable|None of startup nodes|Failed to refresh slots cache|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|connect|Connection is closed|max retries|Stream isn't writeable/i.test(
      m
    )
  ) {
    return brokerFailed(`cannot reach Redis at ${where}: ${m}`);
  }
  return brokerFailed(`Redis at ${where} answered with an error: ${m}`);
}

export interface RedisConnection {
  client: Redis | Cluster;
  /** The latest connection-level error: ioredis reports its cause only as an event. */
  lastError(): Error | undefined;
}

function connect(s: RedisSettings, options: RedisOptions): Redis | Cluster {
  switch (s.mode) {
    case 'standalone':
      return new Redis(options);
    case 'sentinel':
      // Credentials and TLS from the URL/settings apply to the master and the sentinels.
      return new Redis({
        ...options,
        host: undefined,
        port: undefined,
        sentinels: s.nodes,
        name: s.sentinelMaster,
        sentinelUsername: options.username,
        sentinelPassword: options.password,
        enableTLSForSentinelMode: Boolean(options.tls),
        sentinelTLS: options.tls,
        sentinelCommandTimeout: s.timeoutMs,
        sentinelRetryStrategy: (attempt) => (attempt > MAX_DISCOVERY_ROUNDS ? null : backoff(attempt)),
      });
    case 'cluster': {
      const { host: _host, port: _port, retryStrategy: _retry, ...nodeOptions } = options;
      return new Cluster(s.nodes, {
        lazyConnect: true,
        enableAutoPipelining: true,
        redisOptions: { ...nodeOptions, lazyConnect: false },
        slotsRefreshTimeout: s.timeoutMs,
        clusterRetryStrategy: (attempt) => (attempt > MAX_DISCOVERY_ROUNDS ? null : backoff(attempt)),
      });
    }
  }
}

export function createRedis(s: RedisSettings, uid: string, log: Logger): RedisConnection {
  const client = connect(s, redisOptions(s));
  let lastLogged = 0;
  let lastError: Error | undefined;
  client.on('ready', () => (lastError = undefined));
  client.on('error', (err: Error) => {
    lastError = err;
    // ioredis emits on every reconnect attempt; log at most every 30 s per connection.
    if (Date.now() - lastLogged > 30_000) {
      lastLogged = Date.now();
      log.warn('redis connection error', { datasource: uid, redis: redisWhere(s), error: err.message });
    }
  });
  return { client, lastError: () => lastError };
}
