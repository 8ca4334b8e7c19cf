/** Pure parts of the rabbitmq kind: topic routing, dead-letter resolution, rate parameters. */
import { deadLetterTopology, topicMatches, QueueInfo, BindingInfo } from './topology';
import { rateParams, queueSeries } from './throughput';
import { queueValues } from './overview';

describe('topicMatches', () => {
  it.each([
    ['a.*.c', 'a.b.c', true],
    ['a.*.c', 'a.c', false],
    ['a.#', 'a', true],
    ['a.#.z', 'a.b.c.z', true],
    ['#', 'anything.at.all', true],
    ['a.b', 'a.b.c', false],
  ])('%s vs %s', (pattern, key, expected) => expect(topicMatches(pattern, key)).toBe(expected));
});

describe('deadLetterTopology', () => {
  const label = (_v: string, n: string) => n;
  const q = (name: string, args: Record<string, unknown> = {}, policy: Record<string, unknown> = {}): QueueInfo => ({
    vhost: 'v',
    name,
    arguments: args,
    effective_policy_definition: policy,
  });
  const b = (
    source: string,
    destination: string,
    routing_key: string,
    destination_type: 'queue' | 'exchange' = 'queue'
  ): BindingInfo => ({ vhost: 'v', source, destination, routing_key, destination_type });

  it('follows topic and exchange-to-exchange bindings; arguments win over policies', () => {
    const queues = [
      q(
        'a',
        { 'x-dead-letter-exchange': 'dlx', 'x-dead-letter-routing-key': 'dead.a' },
        { 'dead-letter-exchange': 'other' }
      ),
      q('b', {}, { 'dead-letter-exchange': 'fan' }),
      q('dead-all'),
      q('dead-a-only'),
      q('fanned'),
    ];
    const bindings = [
      b('dlx', 'dead-all', 'dead.#'),
      b('dlx', 'dead-a-only', 'dead.a'),
      b('dlx', 'x2', 'dead.*', 'exchange'),
      b('x2', 'fanned', ''),
      b('fan', 'fanned', 'ignored'),
    ];
    const exchanges = [
      { vhost: 'v', name: 'dlx', type: 'topic' },
      { vhost: 'v', name: 'x2', type: 'fanout' },
      { vhost: 'v', name: 'fan', type: 'fanout' },
    ];
    const topo = deadLetterTopology(queues, bindings, exchanges, label);
    expect(topo.edges.map((e) => `${e.from}->${e.to} ${e.via}${e.uncertain ? ' ?' : ''}`).sort()).toEqual([
      'a->dead-a-only arguments',
      'a->dead-all arguments',
      'a->fanned arguments',
      'b->fanned policy ?', // no routing key: the message's own key decides
    ]);
    expect(
      topo.nodes
        .filter((n) => n.deadLetterTarget)
        .map((n) => n.id)
        .sort()
    ).toEqual(['dead-a-only', 'dead-all', 'fanned']);
  });

  it('ignores a default-exchange dead-letter without a routing key (back to itself) and unknown targets', () => {
    const topo = deadLetterTopology(
      [
        q('a', { 'x-dead-letter-exchange': '' }),
        q('b', { 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': 'gone' }),
      ],
      [],
      [],
      label
    );
    expect(topo.edges).toEqual([]);
  });
});

describe('rates', () => {
  it('keeps within the API range limit of 500 samples', () => {
    for (const [span, interval] of [
      [3600_000, 1000],
      [3600_000, 0],
      [600_000, 5000],
      [86_400_000, 60_000],
    ]) {
      const p = rateParams(0, span, interval);
      expect(p.msg_rates_age / p.msg_rates_incr).toBeLessThanOrEqual(500);
      expect(p.msg_rates_age).toBeLessThanOrEqual(3600);
    }
  });

  it('turns cumulative samples (newest first) into per-interval counts', () => {
    const info: QueueInfo = {
      vhost: 'v',
      name: 'q',
      message_stats: {
        ack_details: {
          samples: [
            { sample: 9, timestamp: 3000 },
            { sample: 4, timestamp: 2000 },
            { sample: 1, timestamp: 1000 },
          ],
        },
      },
    };
    expect(queueSeries(info, 'q', 0, 5000)).toEqual([
      {
        metric: 'completed',
        labels: { system: 'rabbitmq', queue: 'q', metric: 'completed' },
        times: [2000, 3000],
        values: [3, 5],
      },
    ]);
  });
});

describe('queueValues', () => {
  it('leaves out what the broker did not report', () => {
    expect(
      queueValues(
        { vhost: 'v', name: 'q', messages_ready: 2, messages_unacknowledged: 0, consumers: 0 },
        { nowMs: 0, isDeadLetterTarget: false }
      )
    ).toEqual({ wait: 2, active: 0, workers: 0 });
    expect(
      queueValues(
        {
          vhost: 'v',
          name: 'q',
          messages: 3,
          messages_ready: 3,
          messages_unacknowledged: 0,
          head_message_timestamp: 100,
        },
        { nowMs: 160_000, isDeadLetterTarget: true }
      )
    ).toEqual({ wait: 3, active: 0, dead: 3, oldest_wait_seconds: 60 });
  });
});
