/**
 * The query and settings model shared by the backend (which validates it) and the
 * frontend (which edits it). One module so the two cannot drift.
 */

/** What a panel asks for. Each maps to one frame shape (see README "Query model"). */
export const QUERY_TYPES = ['overview', 'timeseries', 'failures', 'jobs', 'workers', 'queues'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/** Job systems that live in Redis; the data source type `redis` can hold several at once. */
export const REDIS_SYSTEMS = ['bullmq', 'bull', 'sidekiq', 'celery', 'rq'] as const;
export type RedisSystem = (typeof REDIS_SYSTEMS)[number];

/** Job systems whose jobs are rows in PostgreSQL (data source kind `postgres`). */
export const POSTGRES_SYSTEMS = [
  'pg-boss',
  'graphile-worker',
  'oban',
  'river',
  'solid-queue',
  'good-job',
  'que',
] as const;
export type PostgresSystem = (typeof POSTGRES_SYSTEMS)[number];

/** Every system a query can be restricted to (the broker kinds name their own). */
export const SYSTEMS = [...REDIS_SYSTEMS, ...POSTGRES_SYSTEMS, 'rabbitmq', 'jetstream', 'kafka'] as const;
export type JobSystemId = (typeof SYSTEMS)[number];

/**
 * Values an overview query can return, in the order of the job life cycle. A system
 * returns only the values its store records (a frame notice says what is missing):
 * - wait … failed mirror the library's own counts for the layout found (BullMQ 6 keeps a
 *   paused queue's jobs in `wait`, BullMQ 5 moves them to `paused`);
 * - active: every job a worker has taken and not finished, stalled ones included;
 * - stalled: the part of `active` whose worker is gone (lock expired, dead process, past
 *   its timeout), so stalled <= active in every system (Kafka, which has no jobs in
 *   hand, reports stalled as a 0/1 consumer-group condition instead);
 * - failed_in_range: failures finished inside the query's time range;
 * - retries: failed jobs scheduled to run again; dead: jobs given up on (DLQ);
 * - queue_paused: 1 while the queue is paused; oldest_wait_seconds: how long the oldest
 *   waiting job has been runnable (from the later of its creation and its start time, so a
 *   start time in the past adds nothing); workers: live workers serving the queue;
 * - consumer_utilisation: the fraction of time (0–1) the queue's consumers could take new
 *   messages (RabbitMQ's own measure; below 1 means consumers or their prefetch are the limit).
 */
export const OVERVIEW_METRICS = [
  'wait',
  'prioritized',
  'delayed',
  'paused',
  'waiting_children',
  'active',
  'stalled',
  'completed',
  'failed',
  'failed_in_range',
  'retries',
  'dead',
  'queue_paused',
  'oldest_wait_seconds',
  'workers',
  'consumer_utilisation',
] as const;
export type OverviewMetric = (typeof OVERVIEW_METRICS)[number];

export interface JobscopeQuery {
  refId: string;
  queryType?: QueryType;
  /** Restrict to one job system; absent means every system found. */
  system?: JobSystemId;
  /** Queue names or glob patterns (`*`, `?`); absent or empty means every queue. */
  queues?: string[];
  /** Subset of metrics to return; absent means all. */
  metrics?: OverviewMetric[];
  /** Row limit for job lists and failure groups. */
  limit?: number;
  /** Which jobs a `jobs` query lists. */
  state?: JobState;
  /** Case-insensitive text a listed job's id, name or error must contain. */
  search?: string;
}

/** Job states a `jobs` query can list (each system maps them to its own store). */
export const JOB_STATES = ['failed', 'dead', 'retry', 'delayed', 'waiting', 'active', 'stalled', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Throughput series a `timeseries` query can return. */
export const SERIES_METRICS = ['completed', 'failed'] as const;

export const DEFAULT_QUERY: Omit<JobscopeQuery, 'refId'> = { queryType: 'overview' };

/** The kinds of broker or job store a data source can point at. */
export const DATASOURCE_KINDS = ['redis', 'rabbitmq', 'postgres', 'nats', 'kafka'] as const;
export type DatasourceKind = (typeof DATASOURCE_KINDS)[number];

/** Display names of the data source kinds (the Kind select, system groups, notices). */
export const KIND_NAMES: Record<DatasourceKind, string> = {
  redis: 'Redis',
  rabbitmq: 'RabbitMQ',
  postgres: 'PostgreSQL',
  nats: 'NATS JetStream',
  kafka: 'Kafka',
};

/** Data source `jsonData` (non-secret settings). */
export interface JobscopeSettings {
  kind?: DatasourceKind;
  /** e.g. redis://host:6379/0 or rediss://… for TLS (credentials, TLS and db for every mode). */
  url?: string;
  /** Redis deployment: a single server (default), Sentinel-managed, or a Cluster. */
  redisMode?: 'standalone' | 'sentinel' | 'cluster';
  /** Sentinel or Cluster seed nodes, `host:port,host:port`. */
  redisNodes?: string;
  /** Sentinel: the monitored master's name. */
  sentinelMaster?: string;
  username?: string;
  tlsSkipVerify?: boolean;
  /** Key prefix BullMQ/Bull queues were created with (their `prefix` option). */
  bullPrefix?: string;
  /** redis-namespace prefix of Sidekiq keys, if the app uses one. */
  sidekiqNamespace?: string;
  /** Key prefix of RQ 3.x (its RQ_KEY_PREFIX; default `rq`). */
  rqPrefix?: string;
  /** Celery's broker visibility_timeout in seconds (default 3600): unacked longer is stalled. */
  celeryVisibilityTimeout?: number;
  /** RabbitMQ management API, e.g. http://host:15672 (without it: AMQP passive declares only). */
  managementUrl?: string;
  /** RabbitMQ: restrict to one vhost (queue labels are then plain names). */
  vhost?: string;
  /**
   * RabbitMQ: allow reading message payloads from queues. Off by default: a peek requeues
   * the messages, which marks them redelivered and counts toward quorum delivery limits.
   */
  allowPeek?: boolean;
  /** PostgreSQL: schemas to look for job tables in (comma-separated); empty looks everywhere. */
  schemas?: string;
  /** PostgreSQL and Kafka: require TLS (also implied by a CA certificate; PostgreSQL: ?sslmode=). */
  tls?: boolean;
  /** Kafka: SASL mechanism when a username is set (default plain). */
  saslMechanism?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  /** Kafka: dead-letter topics besides `<topic>.DLT` and `<topic>-dlq`, comma-separated. */
  dlqTopics?: string;
  /** NATS: stream capturing JetStream's max-deliveries and terminated advisories (the dead letters). */
  advisoryStream?: string;
  /** Glob that limits discovered queue names. */
  discoveryPattern?: string;
  /**
   * PostgreSQL: when an overview would read more rows than this without an index (pg-boss
   * before 12 keeps none on active or finished jobs), those counts come from the planner's
   * statistics instead, and the notice says so. Default 2,000,000.
   */
  maxExactRows?: number;
  /** Payloads longer than this are truncated in job lists. */
  payloadLimitBytes?: number;
  /** Tracing data source uid used for trace links. */
  tracingDatasourceUid?: string;
  /** Logs data source (Loki or Elasticsearch) whose lines a job's trace id links to. */
  logsDatasourceUid?: string;
  /** Its type (`loki` or `elasticsearch`): the link's query depends on it. */
  logsDatasourceType?: string;
  /** Loki stream selector the trace-id line filter runs on; default `{service_name=~".+"}`. */
  logsLabelSelector?: string;
  /** How often live panels refresh, in ms (at least 500). */
  streamIntervalMs?: number;
  /** Bound on connecting and on each broker command or request, seconds (1–300, default 10). */
  timeoutSeconds?: number;
}

/** Data source `secureJsonData` keys (write-only from the browser). */
export interface JobscopeSecureSettings {
  password?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}
