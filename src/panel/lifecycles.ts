/**
 * Where the panel takes each system's life cycle and capabilities from. Until the catalogue's
 * index (pkg/model/catalogue/index.ts) lands, the three life cycles the panel drew before are
 * restated here in the catalogue's types, so that the panel reads one shape throughout.
 */
import type { Capabilities, JobSystemDescriptor, Lifecycle } from '../../pkg/model/catalogue/types';

type Interim = Pick<JobSystemDescriptor, 'id' | 'name' | 'lifecycle' | 'capabilities' | 'jobStates' | 'metrics'>;

const BULL_LIKE: Lifecycle = {
  states: [
    {
      id: 'delayed',
      label: 'Delayed',
      description: 'Waits for its time, or for a retry back-off.',
      metrics: ['delayed'],
      jobStates: ['delayed'],
      step: 0,
      lane: 'main',
      tone: 'idle',
    },
    {
      id: 'wait',
      label: 'Waiting',
      description: 'Ready for a worker.',
      metrics: ['wait', 'prioritized'],
      jobStates: ['waiting'],
      step: 1,
      lane: 'main',
      tone: 'waiting',
    },
    {
      id: 'active',
      label: 'Active',
      description: 'Taken by a worker.',
      metrics: ['active'],
      jobStates: ['active', 'stalled'],
      step: 2,
      lane: 'main',
      tone: 'running',
    },
    {
      id: 'completed',
      label: 'Completed',
      description: 'Finished and kept.',
      metrics: ['completed'],
      jobStates: ['completed'],
      step: 3,
      lane: 'success',
      tone: 'success',
    },
    {
      id: 'failed',
      label: 'Failed',
      description: 'Threw and has no attempts left.',
      metrics: ['failed'],
      jobStates: ['failed'],
      step: 3,
      lane: 'failure',
      tone: 'failed',
      problem: true,
    },
  ],
  transitions: [
    { from: 'delayed', to: 'wait' },
    { from: 'wait', to: 'active' },
    { from: 'active', to: 'completed', rate: 'completed' },
    { from: 'active', to: 'failed', rate: 'failed' },
    { from: 'active', to: 'delayed', back: true },
  ],
};

const SIDEKIQ: Lifecycle = {
  states: [
    {
      id: 'scheduled',
      label: 'Scheduled',
      description: 'perform_in / perform_at jobs waiting for their time.',
      metrics: ['delayed'],
      jobStates: ['delayed'],
      step: 0,
      lane: 'main',
      tone: 'idle',
    },
    {
      id: 'enqueued',
      label: 'Enqueued',
      description: 'In a queue, ready for a worker.',
      metrics: ['wait'],
      jobStates: ['waiting'],
      step: 1,
      lane: 'main',
      tone: 'waiting',
    },
    {
      id: 'busy',
      label: 'Busy',
      description: 'Running in a Sidekiq process.',
      metrics: ['active'],
      jobStates: ['active'],
      step: 2,
      lane: 'main',
      tone: 'running',
    },
    {
      id: 'processed',
      label: 'Processed',
      description: 'Sidekiq’s processed counter.',
      metrics: ['completed'],
      jobStates: [],
      step: 3,
      lane: 'success',
      tone: 'success',
    },
    {
      id: 'retry',
      label: 'Retry',
      description: 'Failed, to be retried.',
      metrics: ['retries'],
      jobStates: ['retry'],
      step: 3,
      lane: 'failure',
      tone: 'retrying',
      problem: true,
    },
    {
      id: 'dead',
      label: 'Dead',
      description: 'Out of retries (the morgue).',
      metrics: ['dead'],
      jobStates: ['dead'],
      step: 4,
      lane: 'failure',
      tone: 'failed',
      problem: true,
    },
  ],
  transitions: [
    { from: 'scheduled', to: 'enqueued' },
    { from: 'enqueued', to: 'busy' },
    { from: 'busy', to: 'processed', rate: 'completed' },
    { from: 'busy', to: 'retry', rate: 'failed' },
    { from: 'retry', to: 'dead' },
    { from: 'retry', to: 'enqueued', back: true },
  ],
};

const CAPS: Capabilities = {
  pause: true,
  priorities: true,
  deadLetter: 'state',
  retries: true,
  traceIds: true,
  throughput: 'finished-jobs',
  workerLiveness: 'heartbeat',
  schedules: false,
  jobTimings: true,
};

const INTERIM: Record<string, Interim> = {
  bullmq: {
    id: 'bullmq',
    name: 'BullMQ',
    lifecycle: BULL_LIKE,
    capabilities: { ...CAPS, deadLetter: 'none', throughput: 'metrics' },
    jobStates: ['waiting', 'active', 'delayed', 'completed', 'failed', 'stalled'],
    metrics: {},
  },
  bull: {
    id: 'bull',
    name: 'Bull',
    lifecycle: BULL_LIKE,
    capabilities: { ...CAPS, deadLetter: 'none' },
    jobStates: ['waiting', 'active', 'delayed', 'completed', 'failed'],
    metrics: {},
  },
  sidekiq: {
    id: 'sidekiq',
    name: 'Sidekiq',
    lifecycle: SIDEKIQ,
    capabilities: { ...CAPS, pause: false, priorities: false },
    jobStates: ['waiting', 'active', 'delayed', 'retry', 'dead'],
    metrics: {},
  },
};

export type SystemInfo = Interim;

/** The system's life cycle and capabilities, or undefined for a system the panel does not know. */
export function systemInfo(id: string): SystemInfo | undefined {
  return INTERIM[id];
}
