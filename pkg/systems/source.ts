/**
 * What every broker or job-store adapter offers the handlers. Everything above this
 * interface is broker-agnostic; everything below knows one system's layout.
 */
import type { JobscopeQuery } from '../query/model';
import type { Series } from '../frames/dataplane';
import type { Notice } from '../frames/frame';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from './rows';

export interface QueueRef {
  system: string;
  queue: string;
}

export interface HealthReport {
  /** e.g. "Redis 7.0.15". */
  server: string;
  /** Queues found per job system. */
  systems: Record<string, number>;
  notices: string[];
}

/**
 * Who asked: the Grafana org role of the user (PluginContext.user.role: Admin, Editor,
 * Viewer, None) and whether it is an alert evaluation (FromAlert header). Sources that can
 * change a broker's state by reading (a RabbitMQ peek) decide from it.
 */
export interface Requester {
  role?: string;
  alert: boolean;
}

/** The time window of a query, epoch ms, and who asked (absent: no user, e.g. a live stream). */
export interface QueryWindow {
  from: number;
  to: number;
  now: number;
  intervalMs: number;
  requester?: Requester;
}

type WithSystem<T> = T & { system: string };

/** What a query read, by query type; handlers turn it into frames. */
export type ReadData =
  | { type: 'overview'; stats: WithSystem<QueueStats>[] }
  | { type: 'timeseries'; series: Series[] }
  | { type: 'failures'; groups: WithSystem<FailureGroup>[] }
  | { type: 'jobs'; rows: WithSystem<JobRow>[] }
  | { type: 'workers'; rows: WithSystem<WorkerRow>[] };

export type ReadResult = ReadData & {
  notices: Notice[];
  /** A human summary of what was read, shown as the frame's executed query. */
  executed: string;
};

export interface QueueSource {
  checkHealth(): Promise<HealthReport>;
  listQueues(): Promise<QueueRef[]>;
  /** Every query type but `queues`, which is listQueues(). */
  read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult>;
  close(): Promise<void>;
  /** Optional kind-specific JSON resources for CallResource (e.g. rabbitmq `topology`); throws notFound for unknown paths. */
  resource?(path: string): Promise<unknown>;
}
