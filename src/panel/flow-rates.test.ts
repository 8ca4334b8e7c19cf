import { createDataFrame, DataFrameType, FieldType } from '@grafana/data';

import { flowCounts } from './flow-counts';
import { refreshRates, seriesRates } from './flow-rates';

/** A timeseries-multi frame as the backend sends it: time plus one labelled value field. */
const series = (metric: string, queue: string, values: number[]) =>
  createDataFrame({
    refId: 'T',
    name: metric,
    meta: { type: DataFrameType.TimeSeriesMulti, typeVersion: [0, 1] },
    fields: [
      { name: 'time', type: FieldType.time, values: values.map((_, i) => 1_700_000_000_000 + i * 60_000) },
      { name: metric, type: FieldType.number, values, labels: { system: 'bullmq', queue } },
    ],
  });

describe('flow rates', () => {
  it('reads jobs per minute from timeseries frames over their span', () => {
    // 5 one-minute buckets
    const frames = [
      series('completed', 'a', [10, 20, 30, 40, 50]),
      series('failed', 'a', [1, 0, 0, 0, 4]),
      series('completed', 'b', [5, 5, 5, 5, 5]),
    ];
    expect(seriesRates(frames)).toEqual({ completed: 175 / 5, failed: 1 });
    expect(seriesRates(frames, 'b')).toEqual({ completed: 5 });
    expect(seriesRates([])).toBeUndefined();
  });

  it('never counts a timeseries frame as an overview value', () => {
    expect(flowCounts([series('completed', 'a', [10, 20])])).toEqual({});
  });

  it('derives rates between two refreshes, only from counts that grew', () => {
    const prev = { at: 0, counts: { completed: 100, failed: 10 } };
    expect(refreshRates(prev, { at: 30_000, counts: { completed: 130, failed: 5 } })).toEqual({ completed: 60 });
    expect(refreshRates(undefined, prev)).toEqual({});
  });
});
