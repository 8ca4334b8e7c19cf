/**
 * What adapters report, independent of any job system. Handlers turn these into frames;
 * adapters never build frames themselves.
 */
import type { OverviewMetric } from '../model/query';

export interface QueueStats {
  queue: string;
  /** Only the values the store records; absent means unknown, not zero. */
  values: Partial<Record<OverviewMetric, number>>;
}

export interface FailureGroup {
  queue: string;
  /** Error class or normalised message (ids and numbers replaced), the grouping key. */
  reason: string;
  count: number;
  firstSeen?: number;
  lastSeen?: number;
  exampleJobId?: string;
  exampleMessage?: string;
}

/**
 * How a payload was stored; pickled and binary payloads are shown, never decoded or run.
 * `unread`: too large to read in this query (size known, content not).
 */
export type PayloadKind = 'json' | 'text' | 'binary' | 'pickle' | 'marshal' | 'none' | 'unread';

export interface Payload {
  /** Shown text, at most the configured limit (binary as hex). */
  preview: string;
  /** Full stored size in bytes. */
  bytes: number;
  truncated: boolean;
  kind: PayloadKind;
}

export interface JobRow {
  queue: string;
  id: string;
  name?: string;
  state: string;
  attempts?: number;
  createdAt?: number;
  processedAt?: number;
  finishedAt?: number;
  error?: string;
  stacktrace?: string;
  payload?: Payload;
  traceId?: string;
}

export interface WorkerRow {
  name: string;
  host?: string;
  pid?: number;
  queues: string[];
  busy?: number;
  concurrency?: number;
  lastHeartbeat?: number;
  /**
   * true or false where the store proves it (a heartbeat, a connection the broker sees);
   * null where nothing does (a registration alone): unknown, never alive.
   */
  alive: boolean | null;
  startedAt?: number;
  /** Kind-specific columns appended after the standard ones (e.g. Kafka: lag per partition and its status). */
  columns?: Record<string, string | number | null>;
}

/** The `search` of a jobs query: case-insensitive text in the job's id, name or error. */
export function matchesSearch(row: JobRow, search: string | undefined): boolean {
  if (!search) {
    return true;
  }
  const s = search.toLowerCase();
  return [row.id, row.name, row.error].some((v) => v?.toLowerCase().includes(s));
}
