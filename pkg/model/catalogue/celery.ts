/** Celery 5.x with the Redis broker (kombu's Redis transport; see pkg/systems/celery). */
import type { JobSystemDescriptor } from './types';

export const CELERY: JobSystemDescriptor = {
  id: 'celery',
  kind: 'redis',
  name: 'Celery',
  summary:
    "Python task queue with Redis as broker: messages in lists, delivered ones held in kombu's unacked hash, outcomes in the result backend.",
  versions: '5.x (kombu Redis transport and Redis result backend)',
  queueLabel: 'queue',
  defaultJobState: 'failed',
  lifecycle: {
    states: [
      {
        id: 'queued',
        label: 'Queued',
        description: 'A task message in the queue list (or one of its priority lists), not yet delivered to a worker.',
        metrics: ['wait', 'prioritized'],
        jobStates: ['waiting'],
        step: 0,
        lane: 'main',
        tone: 'waiting',
      },
      {
        id: 'eta',
        label: 'ETA / countdown',
        description: 'Delivered to a worker, which holds it unacknowledged until its ETA.',
        metrics: ['delayed'],
        jobStates: ['delayed'],
        step: 1,
        lane: 'success',
        tone: 'idle',
      },
      {
        id: 'reserved',
        label: 'Reserved',
        description:
          'Delivered to a worker and not acknowledged (with early ack, the default, a running task is already acknowledged and not seen).',
        metrics: ['active'],
        jobStates: ['active'],
        step: 1,
        lane: 'main',
        tone: 'running',
      },
      {
        id: 'stalled',
        label: 'Past visibility timeout',
        description:
          'Unacknowledged for longer than the visibility timeout: the broker will redeliver it to another worker.',
        metrics: ['stalled'],
        jobStates: ['stalled'],
        step: 1,
        lane: 'failure',
        tone: 'failed',
        problem: true,
      },
      {
        id: 'success',
        label: 'SUCCESS',
        description: 'Finished; its result is kept in the result backend until result_expires.',
        metrics: [],
        jobStates: ['completed'],
        step: 2,
        lane: 'success',
        tone: 'success',
      },
      {
        id: 'retry',
        label: 'RETRY',
        description: 'The task called retry(): a new message with a countdown, retries incremented.',
        metrics: ['retries'],
        jobStates: ['retry'],
        step: 2,
        lane: 'main',
        tone: 'retrying',
      },
      {
        id: 'failure',
        label: 'FAILURE',
        description: 'Raised and not retried; its exception is kept in the result backend until result_expires.',
        metrics: [],
        jobStates: ['failed'],
        step: 2,
        lane: 'failure',
        tone: 'failed',
        problem: true,
      },
    ],
    transitions: [
      { from: 'queued', to: 'reserved' },
      { from: 'queued', to: 'eta' },
      { from: 'eta', to: 'reserved' },
      { from: 'reserved', to: 'success', rate: 'completed' },
      { from: 'reserved', to: 'failure', rate: 'failed' },
      { from: 'reserved', to: 'retry' },
      { from: 'retry', to: 'eta', back: true },
      { from: 'reserved', to: 'stalled' },
      { from: 'stalled', to: 'queued', back: true },
    ],
  },
  metrics: {
    wait: 'Default-priority messages on the queue list not waiting for a future ETA.',
    prioritized:
      'Messages in the nine priority lists not waiting for a future ETA (wait + prioritized + queued delayed is kombu’s queue size).',
    active: 'Unacknowledged messages of the queue not waiting for an ETA.',
    delayed:
      'Messages whose ETA/countdown is ahead, on the queue lists or held unacknowledged by a worker (workers take them at once and hold them).',
    retries:
      'Retried messages (headers.retries > 0), queued or held by a worker; one whose ETA is ahead is in delayed too.',
    stalled: 'The due part of active delivered longer ago than the visibility timeout.',
  },
  jobStates: ['failed', 'retry', 'delayed', 'waiting', 'active', 'stalled', 'completed'],
  capabilities: {
    pause: false,
    priorities: true,
    deadLetter: 'none',
    retries: true,
    traceIds: true,
    throughput: 'finished-jobs',
    workerLiveness: 'unproven',
    schedules: [
      {
        by: 'RedBeat 2.4 (Celery beat on Redis, add-on)',
        holds:
          'The redbeat::schedule sorted set scored by due time, and a hash per entry whose last_run_at is when beat sent the task.',
        lastRun: true,
        nextRun: true,
      },
    ],
    jobTimings: false,
  },
};
