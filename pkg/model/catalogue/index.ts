/**
 * The catalogue of job systems: every system Jobscope reads, grouped by kind, and the
 * shared meaning of each overview metric. Pure data, compiled into the backend (the
 * contract suite holds adapters to it) and the frontend (menus, panel life cycles).
 */
import type { DatasourceKind, JobSystemId, OverviewMetric } from '../../query/model';
import type { JobSystemDescriptor, MetricDefinition } from './types';
import { BULLMQ } from './bullmq';
import { BULL } from './bull';
import { SIDEKIQ } from './sidekiq';
import { CELERY } from './celery';
import { RQ } from './rq';
import { PG_BOSS } from './pg-boss';
import { GRAPHILE_WORKER } from './graphile-worker';
import { RIVER } from './river';
import { OBAN } from './oban';
import { QUE } from './que';
import { SOLID_QUEUE } from './solid-queue';
import { GOOD_JOB } from './good-job';
import { RABBITMQ } from './rabbitmq';
import { JETSTREAM } from './jetstream';
import { KAFKA } from './kafka';

export type {
  Capabilities,
  JobSystemDescriptor,
  Lane,
  Lifecycle,
  LifecycleState,
  LifecycleTransition,
  MetricDefinition,
  Tone,
  WorkerLiveness,
} from './types';

/** Every system, grouped by kind (Redis, PostgreSQL, then the brokers). */
export const CATALOGUE: readonly JobSystemDescriptor[] = [
  BULLMQ,
  BULL,
  SIDEKIQ,
  CELERY,
  RQ,
  PG_BOSS,
  GRAPHILE_WORKER,
  RIVER,
  OBAN,
  QUE,
  SOLID_QUEUE,
  GOOD_JOB,
  RABBITMQ,
  JETSTREAM,
  KAFKA,
];

const BY_ID = new Map<string, JobSystemDescriptor>(CATALOGUE.map((d) => [d.id, d]));

/** The descriptor of a system; undefined for an id the catalogue does not know. */
export function descriptorOf(id: JobSystemId | string): JobSystemDescriptor | undefined {
  return BY_ID.get(id);
}

/** The systems a data source of this kind can hold, in catalogue order. */
export function systemsOfKind(kind: DatasourceKind): JobSystemDescriptor[] {
  return CATALOGUE.filter((d) => d.kind === kind);
}

/**
 * What each overview metric means in every system (a descriptor's `metrics` says what it
 * is in that system). Conventions every adapter follows: `active` counts every job a worker
 * has taken and not finished, stalled ones included; `stalled` is the subset of active
 * whose worker is gone.
 */
export const METRIC_DEFINITIONS: Record<OverviewMetric, MetricDefinition> = {
  wait: {
    label: 'Waiting',
    description: 'Jobs ready to run now, waiting for a worker (a broker: messages not yet delivered; Kafka: lag).',
    unit: 'none',
  },
  prioritized: {
    label: 'Prioritized',
    description: 'Ready jobs held in a priority structure of their own (where the system keeps one apart from wait).',
    unit: 'none',
  },
  delayed: {
    label: 'Delayed',
    description: 'Jobs that wait for a time: scheduled for later or waiting for a retry backoff.',
    unit: 'none',
  },
  paused: {
    label: 'Paused',
    description: 'Waiting jobs of a paused queue, where the system keeps them apart (BullMQ 5, Bull).',
    unit: 'none',
  },
  waiting_children: {
    label: 'Waiting for children',
    description: 'Jobs held until other jobs finish (flow parents, dependencies, pending jobs).',
    unit: 'none',
  },
  active: {
    label: 'Active',
    description: 'Jobs a worker has taken and not finished, stalled ones included.',
    unit: 'none',
  },
  stalled: {
    label: 'Stalled',
    description:
      'The subset of active whose worker is gone (lock expired, dead process, past a timeout). Kafka: 1 while the lag does not move.',
    unit: 'none',
    problem: true,
  },
  completed: {
    label: 'Completed',
    description: 'Jobs finished successfully that the store still keeps (or counts).',
    unit: 'none',
  },
  failed: {
    label: 'Failed',
    description: 'Jobs that failed and were given up on, still kept by the store (or its failure counter).',
    unit: 'none',
    problem: true,
  },
  failed_in_range: {
    label: 'Failed in range',
    description: "Failures that finished inside the query's time range.",
    unit: 'none',
    problem: true,
  },
  retries: {
    label: 'Retries',
    description: 'Failed jobs scheduled to run again (a broker: messages redelivered).',
    unit: 'none',
    problem: true,
  },
  dead: {
    label: 'Dead',
    description: 'Jobs given up on: the dead-letter store (a state, a queue, a topic or advisories).',
    unit: 'none',
    problem: true,
  },
  queue_paused: {
    label: 'Queue paused',
    description: '1 while the queue is paused, 0 otherwise.',
    unit: 'bool',
    problem: true,
  },
  oldest_wait_seconds: {
    label: 'Oldest wait',
    description: 'Age of the oldest job waiting for a worker (0 when none waits).',
    unit: 's',
    problem: true,
  },
  workers: {
    label: 'Workers',
    description: 'Live workers (processes, connections or consumers) serving the queue.',
    unit: 'none',
  },
  consumer_utilisation: {
    label: 'Consumer utilisation',
    description:
      "Fraction of time (0–1) the queue's consumers could take new messages (RabbitMQ); below 1, consumers or their prefetch are the limit.",
    unit: 'percentunit',
    problem: true,
  },
};
