/**
 * What a job system *is*, declared once and read by both sides: the backend's contract
 * suite holds every adapter to it, the frontend draws and offers it (panel life cycles,
 * editor menus, alert templates). Pure data: nothing here may import a client library.
 */
import type { DatasourceKind, JobState, JobSystemId, OverviewMetric } from '../query';

/** Where a state sits in the drawing: the main line, the success branch or the failure branch. */
export type Lane = 'main' | 'success' | 'failure';

/**
 * What a state's colour means (the panel maps tones to theme colours): `idle` for states
 * where work rests by design (scheduled, delayed, paused), `waiting`, `running`, `success`,
 * `retrying` and `failed`.
 */
export type Tone = 'idle' | 'waiting' | 'running' | 'success' | 'retrying' | 'failed';

export interface LifecycleState {
  /** Stable id within the system, e.g. `enqueued`. */
  id: string;
  /** The system's own word for it, e.g. Sidekiq's "Enqueued", Kafka's "Lag". */
  label: string;
  /** One sentence for tooltips: what a job in this state is, in the system's terms. */
  description: string;
  /** Overview metrics summed into this state's count (empty: a state shown without a count). */
  metrics: OverviewMetric[];
  /** `jobs` states listed when the state is clicked (empty: its jobs cannot be listed). */
  jobStates: JobState[];
  /** Column in the life cycle, from 0. */
  step: number;
  lane: Lane;
  tone: Tone;
  /** Non-zero needs attention (drawn by the panel's thresholds, offered alert templates). */
  problem?: boolean;
  /** Drawn only when the data holds one of its metrics (a layout or option may lack it). */
  optional?: boolean;
  /**
   * The count is a 0/1 status of the whole queue, not a number of jobs (Kafka's stalled:
   * the lag has not moved): the panel shows it as a flag.
   */
  status?: boolean;
}

export interface LifecycleTransition {
  from: string;
  to: string;
  /** A way back (a retry): drawn dashed and curved. */
  back?: boolean;
  /** The throughput series (a `timeseries` query) that measures this edge, when there is one. */
  rate?: 'completed' | 'failed';
}

export interface Lifecycle {
  states: LifecycleState[];
  transitions: LifecycleTransition[];
}

/** How the system knows a worker is alive. */
export type WorkerLiveness =
  /** Workers write a heartbeat with an expiry; a missing or stale one means dead. */
  | 'heartbeat'
  /** The broker sees the consumer's connection (RabbitMQ, NATS, Kafka group members). */
  | 'connection'
  /** Workers are listed, but nothing in the store proves they are alive: shown as unknown. */
  | 'unproven'
  /** The store records no workers. */
  | 'none';

/** One way a store records recurring schedules, as the library (or add-on) keeps them. */
export interface ScheduleStore {
  /** The library or add-on that writes them, with the version the facts were read at. */
  by: string;
  /** What it stores, in its own names. */
  holds: string;
  /** The store says when a schedule last fired (enqueued or sent a run). */
  lastRun: boolean;
  /** The store says when a schedule is next due. */
  nextRun: boolean;
}

export interface Capabilities {
  /** A queue can be paused (queue_paused is meaningful). */
  pause: boolean;
  /** Jobs can carry priorities (the `prioritized` metric or ordered waiting lists). */
  priorities: boolean;
  /** Where given-up jobs go: a state of the job store, a separate queue or topic, or nowhere kept. */
  deadLetter: 'state' | 'queue' | 'topic' | 'advisory' | 'none';
  /** Failed jobs are retried by the system itself (`retries` is meaningful). */
  retries: boolean;
  /** Job rows can carry a trace id (W3C traceparent or the library's own field). */
  traceIds: boolean;
  /** Where `timeseries` (completed and failed per interval) comes from; `none` when it cannot be answered. */
  throughput: 'metrics' | 'finished-jobs' | 'none';
  workerLiveness: WorkerLiveness;
  /**
   * Where this store keeps recurring schedules (cron-like) or their runs, for heartbeats
   * without pings: the library's own or a common add-on's; empty where only the
   * application's configuration knows them.
   */
  schedules: ScheduleStore[];
  /** The store records when each job started and finished, for latency percentiles. */
  jobTimings: boolean;
}

export interface JobSystemDescriptor {
  id: JobSystemId;
  kind: DatasourceKind;
  /** Display name, e.g. "BullMQ", "Kafka consumer groups". */
  name: string;
  /** One sentence: what the system is and what Jobscope reads of it. */
  summary: string;
  /** Versions and layouts Jobscope reads, e.g. "5.x and 6.x". */
  versions: string;
  /** What one `queue` label names here, e.g. "queue", "stream/consumer", "group/topic". */
  queueLabel: string;
  /** The job-list query's default state when none is chosen. */
  defaultJobState: JobState;
  lifecycle: Lifecycle;
  /**
   * The overview metrics this system returns, each with what it means here. A metric not
   * listed is never returned; a listed one is returned or its absence carries a notice.
   */
  metrics: Partial<Record<OverviewMetric, string>>;
  /**
   * Values the store keeps for all queues together, reported once under a queue label of
   * their own (Sidekiq's scheduled, retry and dead sets and its counters, under `*`).
   */
  sharedValues?: { queue: string; metrics: OverviewMetric[] };
  /** Job states a `jobs` query can list (the others answer empty, with a notice). */
  jobStates: JobState[];
  capabilities: Capabilities;
}

/** Meaning shared by every system (the per-system text refines it), with the unit Grafana shows. */
export interface MetricDefinition {
  label: string;
  description: string;
  /** Grafana unit id: `none`, `s`, `percentunit`, `bool`. */
  unit: string;
  /** Non-zero (or, for utilisation, low) usually needs attention. */
  problem?: boolean;
}
