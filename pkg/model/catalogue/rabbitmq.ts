/** RabbitMQ 3.x/4.x queues (management API; see pkg/systems/rabbitmq). */
import type { JobSystemDescriptor } from './types';

export const RABBITMQ: JobSystemDescriptor = {
  id: 'rabbitmq',
  kind: 'rabbitmq',
  name: 'RabbitMQ',
  summary:
    'Message broker: per queue, ready and unacknowledged messages, consumers, and the queues others dead-letter into.',
  versions: '3.x and 4.x (management API; AMQP passive declares without it)',
  queueLabel: 'vhost/queue (the queue alone when the data source names its vhost)',
  defaultJobState: 'failed',
  lifecycle: {
    states: [
      {
        id: 'ready',
        label: 'Ready',
        description: 'Published and queued, waiting to be delivered to a consumer.',
        metrics: ['wait'],
        jobStates: ['waiting'],
        step: 0,
        lane: 'main',
        tone: 'waiting',
      },
      {
        id: 'unacked',
        label: 'Unacked',
        description: 'Delivered to a consumer and not acknowledged yet (in its prefetch window or being worked on).',
        metrics: ['active'],
        jobStates: [],
        step: 1,
        lane: 'main',
        tone: 'running',
      },
      {
        id: 'acked',
        label: 'Acked',
        description: 'Acknowledged by the consumer and removed from the queue: RabbitMQ keeps only its rate.',
        metrics: [],
        jobStates: [],
        step: 2,
        lane: 'success',
        tone: 'success',
      },
      {
        id: 'retry-delay',
        label: 'Retry delay',
        description:
          'In the delay queue of a retry loop (a queue with a message TTL that dead-letters back to the worked queue): waits out its delay, then is ready again.',
        metrics: ['retries'],
        jobStates: ['retry'],
        step: 1,
        lane: 'failure',
        tone: 'retrying',
        optional: true,
      },
      {
        id: 'dead-lettered',
        label: 'Dead-lettered',
        description:
          'Rejected without requeue, expired (TTL), dropped by a queue length limit or a quorum delivery-limit, and routed to a dead-letter queue.',
        metrics: ['dead'],
        jobStates: ['dead', 'failed'],
        step: 2,
        lane: 'failure',
        tone: 'failed',
        problem: true,
      },
    ],
    transitions: [
      { from: 'ready', to: 'unacked' },
      { from: 'unacked', to: 'acked', rate: 'completed' },
      { from: 'unacked', to: 'ready', back: true },
      { from: 'unacked', to: 'retry-delay' },
      { from: 'retry-delay', to: 'ready', back: true },
      { from: 'unacked', to: 'dead-lettered' },
      { from: 'ready', to: 'dead-lettered' },
    ],
  },
  metrics: {
    wait: 'messages_ready (for a stream: the messages retained).',
    active: 'messages_unacknowledged: delivered, not acknowledged.',
    retries:
      'Every message (ready + unacked) of the delay queue of a retry loop (queues dead-lettering into each other; the member with a message TTL, else the one nobody consumes); the worked queue holds neither retries nor dead.',
    dead: 'Every message (ready + unacked) of a terminal dead-letter queue: a dead-letter target outside any retry loop, or a queue nothing dead-letters into whose name marks it (.dlq, .parking, _error…).',
    oldest_wait_seconds: 'now − head_message_timestamp while messages are ready (needs a timestamp property).',
    workers:
      'Consumers of the queue (the workers query: one row per AMQP connection, concurrency = the sum of its consumers’ prefetch).',
    consumer_utilisation: "RabbitMQ's consumer utilisation (absent while the queue has no consumers).",
  },
  jobStates: ['failed', 'dead', 'retry', 'waiting'],
  capabilities: {
    pause: false,
    priorities: true,
    deadLetter: 'queue',
    retries: true,
    traceIds: true,
    throughput: 'metrics',
    workerLiveness: 'connection',
    schedules: [],
    jobTimings: false,
  },
};
