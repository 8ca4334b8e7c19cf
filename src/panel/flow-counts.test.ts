import { createDataFrame, FieldType } from '@grafana/data';

import { flowCounts, queueNames } from './flow-counts';

const frame = (name: string, value: number, queue: string, frameName?: string) =>
  createDataFrame({
    name: frameName,
    fields: [{ name, type: FieldType.number, values: [value], labels: { queue, system: 'bullmq' } }],
  });

describe('flowCounts', () => {
  it('sums per metric over queues, or for one queue', () => {
    const frames = [frame('wait', 2, 'a'), frame('wait', 3, 'b'), frame('failed', 1, 'b')];
    expect(flowCounts(frames)).toEqual({ wait: 5, failed: 1 });
    expect(flowCounts(frames, 'b')).toEqual({ wait: 3, failed: 1 });
    expect(flowCounts(frames, 'c')).toEqual({});
  });

  it('takes the metric from the frame name when the field is just "value"', () => {
    expect(flowCounts([frame('value', 4, 'a', 'delayed')])).toEqual({ delayed: 4 });
  });

  it('ignores unknown metrics and non-finite values', () => {
    expect(flowCounts([frame('latency', 9, 'a'), frame('active', NaN, 'a')])).toEqual({});
  });
});

describe('queueNames', () => {
  it('lists distinct queue labels, sorted', () => {
    expect(queueNames([frame('wait', 1, 'orders'), frame('failed', 1, 'emails'), frame('wait', 1, 'emails')])).toEqual([
      'emails',
      'orders',
    ]);
  });
});
