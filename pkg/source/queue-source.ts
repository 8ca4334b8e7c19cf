/**
 * What every broker or job-store adapter offers the handlers. Everything above this
 * interface is broker-agnostic; everything below knows one system's layout.
 */
import type { JobscopeQuery } from '../model/query';
import type { Series } from '../frames/dataplane';
import type { Notice } from '../frames/frame';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../reading/rows';

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

/** The time window of a query, epoch ms. */
export interface QueryWindow {
  from: number;
  to: number;
  now: number;
  intervalMs: number;
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
