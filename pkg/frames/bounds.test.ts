import {
  boundResult,
  cutName,
  LONG_TEXT_BYTES,
  QUERY_BYTES,
  queryBudget,
  REQUEST_BYTES,
  SHORT_TEXT_BYTES,
} from './bounds';

it('keeps two long queue names distinct (they are labels) and short ones untouched', () => {
  const a = 'q'.repeat(SHORT_TEXT_BYTES) + 'a';
  const b = 'q'.repeat(SHORT_TEXT_BYTES) + 'b';
  expect(cutName('orders')).toBe('orders');
  expect(cutName(a)).not.toBe(cutName(b));
  expect(cutName(a).startsWith('q'.repeat(SHORT_TEXT_BYTES))).toBe(true);
});

it("keeps a worker's queue list within the long limit, saying how many more it serves", () => {
  const queues = Array.from({ length: 5000 }, (_, i) => `queue-${i}`);
  const bounded = boundResult({
    type: 'workers',
    rows: [{ system: 'sidekiq', name: 'w', queues, alive: true }],
    notices: [],
    executed: 'x',
  });
  if (bounded.type !== 'workers') {
    throw new Error('type changed');
  }
  const shown = bounded.rows[0].queues;
  expect(shown[0]).toBe('queue-0');
  expect(shown[shown.length - 1]).toBe(`… [${5000 - shown.length + 1} more of 5000]`);
  expect(Buffer.byteLength(shown.join(', '))).toBeLessThanOrEqual(LONG_TEXT_BYTES + 64);
});

it('puts its own notices first, so the cap on notices never hides rows left out', () => {
  const notices = Array.from({ length: 25 }, (_, i) => ({ severity: 'info' as const, text: `n${i}` }));
  const rows = Array.from({ length: 10 }, (_, i) => ({
    system: 'bullmq',
    queue: 'q',
    id: String(i),
    state: 'failed',
    error: 'e'.repeat(100),
  }));
  const bounded = boundResult({ type: 'jobs', rows, notices, executed: 'x' }, 500);
  if (bounded.type !== 'jobs') {
    throw new Error('type changed');
  }
  expect(bounded.rows.length).toBeGreaterThan(0);
  expect(bounded.rows.length).toBeLessThan(10);
  expect(bounded.notices[0].text).toMatch(new RegExp(`^${10 - bounded.rows.length} of 10 rows left out`));
  expect(bounded.notices).toHaveLength(20);
});

it('shares a request-wide budget among many queries', () => {
  expect(queryBudget(1)).toBe(QUERY_BYTES);
  expect(queryBudget(16)).toBe(QUERY_BYTES);
  expect(queryBudget(1000) * 1000).toBeLessThanOrEqual(REQUEST_BYTES);
});
