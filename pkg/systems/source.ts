/**
 * What every broker or job-store adapter offers the handlers. Everything above this
 * interface is broker-agnostic; everything below knows one system's layout.
 */
import type { JobscopeQuery } from '../query/model';
import type { InstantValue } from '../frames/dataplane';
import type { Notice } from '../frames/frame';

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

export interface OverviewResult {
  values: InstantValue[];
  notices: Notice[];
  /** A human summary of what was read, shown as the frame's executed query. */
  executed: string;
}

export interface QueueSource {
  checkHealth(): Promise<HealthReport>;
  listQueues(): Promise<QueueRef[]>;
  overview(query: JobscopeQuery, now: number): Promise<OverviewResult>;
  close(): Promise<void>;
}
