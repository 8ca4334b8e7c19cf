import { resultFrames } from './result-frames';
import type { ReadResult } from '../systems/source';

const overview: ReadResult = {
  type: 'overview',
  stats: [
    { system: 'bullmq', queue: 'a', values: { wait: 1, failed: 2 } },
    { system: 'bullmq', queue: 'b', values: { wait: 3 } },
  ],
  notices: [],
  executed: 'x',
};

describe('resultFrames', () => {
  it('labels overview values with their metric only when several metrics are shown', () => {
    const [all] = resultFrames(overview, { refId: 'A' });
    expect(all.fields.map((f) => f.labels)).toEqual([
      { system: 'bullmq', queue: 'a', metric: 'wait' },
      { system: 'bullmq', queue: 'a', metric: 'failed' },
      { system: 'bullmq', queue: 'b', metric: 'wait' },
    ]);
    const [one] = resultFrames(overview, { refId: 'A', metrics: ['failed'] });
    expect(one.fields.map((f) => [f.name, f.labels, f.values])).toEqual([['failed', { system: 'bullmq', queue: 'a' }, [2]]]);
    expect(one.meta?.type).toBe('numeric-wide');
  });

  it('filters series by the requested metrics, with the same label rule', () => {
    const ts: ReadResult = {
      type: 'timeseries',
      series: ['completed', 'failed'].map((metric) => ({ metric, labels: { system: 'rq', queue: 'q', metric }, times: [1, 2], values: [0, 1] })),
      notices: [],
      executed: 'x',
    };
    expect(resultFrames(ts, { refId: 'B' }).map((f) => f.fields[1].labels)).toEqual([
      { system: 'rq', queue: 'q', metric: 'completed' },
      { system: 'rq', queue: 'q', metric: 'failed' },
    ]);
    const only = resultFrames(ts, { refId: 'B', metrics: ['completed'] });
    expect(only.map((f) => [f.fields[1].name, f.fields[1].labels])).toEqual([['completed', { system: 'rq', queue: 'q' }]]);
  });
});
