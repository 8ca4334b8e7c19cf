/**
 * What every broker or job-store adapter offers the handlers. Everything above this
 * interface is broker-agnostic; everything below knows one system's layout.
 */
import type { JobscopeQuery } from '../model/query';
import type { Series } from '../reading/series';
import type { Notice } from '../reading/notice';
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

/** The time window of a query, epoch ms. */
export interface QueryWindow {
  from: number;
  to: number;
  now: number;
  intervalMs: number;
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
