/** Pure lag arithmetic and the Burrow-style trend rules of the `kafka` kind. */
import {
  deadLetterTopicsOf,
  evaluateLag,
  isDeadLetterTopic,
  LagSample,
  partitionLag,
  retained,
  SampleWindow,
  totalLag,
} from '../../pkg/systems/kafka/lag';

const samples = (pairs: Array<[committed: number, lag: number]>): LagSample[] =>
  pairs.map(([committed, lag], i) => ({ at: i * 10_000, committed, lag }));

it('computes lag from the committed offset, or from the log start when nothing is committed', () => {
  expect(partitionLag({ partition: 0, low: 0, high: 10, committed: 4 })).toBe(6);
  expect(partitionLag({ partition: 0, low: 3, high: 10, committed: -1 })).toBe(7);
  // Committed below the log start (retention deleted messages): only retained ones count.
  expect(partitionLag({ partition: 0, low: 8, high: 10, committed: 2 })).toBe(2);
  expect(partitionLag({ partition: 0, low: 0, high: 10, committed: 10 })).toBe(0);
  expect(
    totalLag([
      { partition: 0, low: 0, high: 10, committed: 10 },
      { partition: 1, low: 0, high: 10, committed: 4 },
      { partition: 2, low: 0, high: 10, committed: -1 },
    ])
  ).toBe(16);
  expect(
    retained([
      { low: 2, high: 9 },
      { low: 0, high: 0 },
    ])
  ).toBe(7);
});

it('evaluates the lag trend like Burrow: OK, WARN, STALL, STOP', () => {
  expect(evaluateLag([], 1)).toBe('OK');
  expect(
    evaluateLag(
      samples([
        [0, 5],
        [5, 0],
        [9, 4],
      ]),
      1
    )
  ).toBe('OK'); // caught up once in the window
  expect(evaluateLag(samples([[0, 5]]), 0)).toBe('STOP'); // lag and nobody consuming
  expect(evaluateLag(samples([[0, 5]]), undefined)).toBe('OK'); // members unknown (KIP-848 group)
  expect(
    evaluateLag(
      samples([
        [7, 5],
        [7, 5],
        [7, 6],
      ]),
      undefined
    )
  ).toBe('STALL');
  expect(
    evaluateLag(
      samples([
        [0, 5],
        [0, 5],
      ]),
      1
    )
  ).toBe('OK'); // too early to tell
  expect(
    evaluateLag(
      samples([
        [7, 5],
        [7, 8],
        [7, 9],
      ]),
      2
    )
  ).toBe('STALL'); // members, no commits
  expect(
    evaluateLag(
      samples([
        [1, 5],
        [3, 8],
        [6, 9],
      ]),
      2
    )
  ).toBe('WARN'); // moving, falling behind
  expect(
    evaluateLag(
      samples([
        [1, 5],
        [3, 8],
        [6, 6],
      ]),
      2
    )
  ).toBe('OK'); // recovering
});

it('keeps the last N samples per key, replacing samples closer than the minimum gap', () => {
  const w = new SampleWindow(3, 1000, 2);
  for (let i = 0; i < 5; i++) w.add('a', { at: i * 2000, committed: i, lag: i });
  expect(w.add('a', { at: 8500, committed: 9, lag: 9 }).map((s) => s.lag)).toEqual([2, 3, 9]);
  w.add('b', { at: 0, committed: 0, lag: 1 });
  w.add('c', { at: 0, committed: 0, lag: 1 }); // evicts the oldest key
  expect(w.add('a', { at: 20_000, committed: 0, lag: 0 })).toHaveLength(1);
});

it('recognises dead-letter topics by name or setting', () => {
  expect(deadLetterTopicsOf('orders', new Set(['orders.DLT', 'orders-dlq', 'orders.dlt', 'other.DLT']))).toEqual([
    'orders.DLT',
    'orders-dlq',
  ]);
  expect(
    ['orders.DLT', 'orders-dlq', 'orders-DLQ', 'orders', 'graveyard'].map((t) => isDeadLetterTopic(t, ['graveyard']))
  ).toEqual([true, true, true, false, true]);
});
