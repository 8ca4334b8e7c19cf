/** Pure parts of the rabbitmq kind: topic routing, dead-letter resolution, rate parameters. */
import { deadLetterTopology, topicMatches, QueueInfo, BindingInfo } from './topology';
import { rateParams, queueSeries } from './throughput';
import { queueKinds, queueValues } from './overview';
import { deliveryLimit, messageRow, quorumPeekNotice } from './dlq';
import { amqpUrlFor } from './stream';

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

  it('tells retry loops from terminal dead-letter queues', () => {
    const dl = (to: string, extra: Record<string, unknown> = {}) => ({
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': to,
      ...extra,
    });
    const topo = deadLetterTopology(
      [
        q('work', dl('work.retry')),
        q('work.retry', dl('work', { 'x-message-ttl': 5000 })),
        q('work.parking'), // nothing dead-letters into it: a dead-letter queue by its name
        q('jobs', dl('jobs.dlq')),
        q('jobs.dlq', dl('jobs.parking', { 'x-message-ttl': 60_000 })), // on to a parking lot: still terminal
        q('jobs.parking'),
        // a loop set by policy with per-message TTLs: the member nobody consumes is the delay
        q('mail', {}, { 'dead-letter-exchange': '', 'dead-letter-routing-key': 'mail.wait' }),
        { ...q('mail.wait', dl('mail')), consumers: 0 },
        q('plain'),
        q('plain.error.log'),
      ].map((x) => (x.name === 'mail' ? { ...x, consumers: 2 } : x)),
      [],
      [],
      label
    );
    const roles = Object.fromEntries(topo.nodes.map((n) => [n.id, [n.role, n.by, n.loop?.join(' ')]]));
    expect(roles).toEqual({
      work: ['retry-source', undefined, 'work work.retry'],
      'work.retry': ['retry-delay', undefined, 'work work.retry'],
      'work.parking': ['dead-letter', 'name', undefined],
      jobs: ['source', undefined, undefined],
      'jobs.dlq': ['dead-letter', undefined, undefined],
      'jobs.parking': ['dead-letter', undefined, undefined],
      mail: ['retry-source', undefined, 'mail mail.wait'],
      'mail.wait': ['retry-delay', undefined, 'mail mail.wait'],
      plain: [undefined, undefined, undefined],
      'plain.error.log': [undefined, undefined, undefined],
    });
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
      queueValues({ vhost: 'v', name: 'q', messages_ready: 2, messages_unacknowledged: 0, consumers: 0 }, { nowMs: 0 })
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
        { nowMs: 160_000, role: 'dead-letter' }
      )
    ).toEqual({ wait: 3, active: 0, dead: 3, oldest_wait_seconds: 60 });
    const held = { vhost: 'v', name: 'q', messages: 4, messages_ready: 3, messages_unacknowledged: 1 };
    expect(queueValues(held, { nowMs: 0, role: 'retry-delay' })).toMatchObject({ retries: 4 });
    expect(queueValues(held, { nowMs: 0, role: 'retry-source' })).toEqual({ wait: 3, active: 1 });
  });
});

describe('quorum and stream helpers', () => {
  it('takes the lower delivery-limit of argument and policy', () => {
    expect(deliveryLimit({ 'x-delivery-limit': 3 }, { 'delivery-limit': 5 })).toEqual({ limit: 3, via: 'arguments' });
    expect(deliveryLimit({ 'x-delivery-limit': 9 }, { 'delivery-limit': 5 })).toEqual({ limit: 5, via: 'policy' });
    expect(deliveryLimit({}, [])).toBeUndefined();
  });

  it('says what a quorum peek cost and when the next one drops messages', () => {
    expect(quorumPeekNotice('q', 2, [0, 1])).toMatch(
      /x-delivery-count is now up to 2\); its delivery-limit is 2: the next peek drops/
    );
    expect(quorumPeekNotice('q', 5, [0])).toMatch(/4 more peek\(s\)/);
    expect(quorumPeekNotice('q', undefined, [0])).toMatch(/no delivery-limit/);
  });

  it('names quorum queues and streams in one line', () => {
    expect(
      queueKinds([
        { vhost: 'v', name: 'a', label: 'a', type: 'quorum', arguments: { 'x-delivery-limit': 2 } },
        { vhost: 'v', name: 's', label: 's', type: 'stream' },
        { vhost: 'v', name: 'c', label: 'c', type: 'classic' },
      ])
    ).toBe(
      'quorum queues: a (delivery-limit 2, from arguments); streams (messages stay after consumption; wait = messages retained): s'
    );
    expect(queueKinds([{ vhost: 'v', name: 'c', label: 'c', type: 'classic' }])).toBeUndefined();
  });

  it('falls back to x-first-death-* when a stream dropped the x-death array', () => {
    const row = messageRow(
      {
        payload_bytes: 2,
        redelivered: false,
        exchange: '',
        routing_key: 'x',
        payload: Buffer.from('{}').toString('base64'),
        payload_encoding: 'base64',
        properties: { headers: { 'x-first-death-reason': 'expired', 'x-first-death-queue': 'ttl' } },
      },
      'dlq',
      'dead',
      0,
      100,
      'offset 7'
    );
    expect(row).toMatchObject({ id: 'offset 7', error: 'expired from ttl', payload: { kind: 'json', bytes: 2 } });
  });

  it('derives the AMQP URL of a vhost from the management URL when none is set', () => {
    const s = {
      username: 'u',
      password: 'p',
      tlsSkipVerify: false,
      allowPeek: false,
      payloadLimit: 10,
      timeoutMs: 10_000,
    };
    expect(amqpUrlFor({ ...s, managementUrl: 'http://rabbit:15672' }, '/').url).toBe('amqp://rabbit:5672/%2F');
    expect(amqpUrlFor({ ...s, managementUrl: 'https://rabbit:443' }, 'a b').url).toBe('amqps://rabbit:5671/a%20b');
    expect(amqpUrlFor({ ...s, amqpUrl: 'amqp://h:1/old' }, 'new')).toEqual({ url: 'amqp://h:1/new', derived: false });
  });
});
