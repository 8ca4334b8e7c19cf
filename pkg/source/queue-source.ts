/**
 * What every broker or job-store adapter offers the handlers. Everything above this
 * interface is broker-agnostic; everything below knows one system's layout.
 */
import type { JobscopeQuery } from '../model/query';
import type { ReadResult } from '../reading/results';

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

export interface QueueSource {
  checkHealth(): Promise<HealthReport>;
  listQueues(): Promise<QueueRef[]>;
  /** Every query type but `queues`, which is listQueues(). */
  read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult>;
  close(): Promise<void>;
  /** Optional kind-specific JSON resources for CallResource (e.g. rabbitmq `topology`); throws notFound for unknown paths. */
  resource?(path: string): Promise<unknown>;
}
