/**
 * Throughput on the edges (completed and failed jobs per minute). Two sources, the first found:
 * - a `timeseries` frame in the panel's data (a second query of the panel): the jobs finished
 *   over the frames' time span, per minute;
 * - otherwise the change of the overview's completed / failed counts between two refreshes
 *   (only when the count grew: stores that trim finished jobs can shrink them).
 */
import { FieldType, type DataFrame } from '@grafana/data';

import type { FlowCounts } from './flow-counts';
import { ALL_QUEUES } from './types';

export type RateMetric = 'completed' | 'failed';
export type FlowRates = Partial<Record<RateMetric, number>>;

export const isTimeseriesFrame = (frame: DataFrame) => /^timeseries/.test(frame.meta?.type ?? '');

/** Jobs per minute from timeseries frames, or undefined when the data holds none. */
export function seriesRates(frames: DataFrame[], queue: string = ALL_QUEUES): FlowRates | undefined {
  const totals: FlowRates = {};
  let start = Infinity;
  let end = -Infinity;
  let step = 0;
  let found = false;
  for (const frame of frames.filter(isTimeseriesFrame)) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    for (const field of frame.fields) {
      const metric = (field.labels?.metric ??
        (field.name === 'completed' || field.name === 'failed' ? field.name : frame.name)) as string;
      if (field.type !== FieldType.number || (metric !== 'completed' && metric !== 'failed') || !time) {
        continue;
      }
      if (queue !== ALL_QUEUES && field.labels?.queue !== queue) {
        continue;
      }
      found = true;
      const times = time.values as number[];
      if (times.length) {
        start = Math.min(start, times[0]);
        end = Math.max(end, times[times.length - 1]);
        if (times.length > 1) {
          step = Math.max(step, times[1] - times[0]);
        }
      }
      const sum = (field.values as Array<number | null>).reduce<number>(
        (a, v) => a + (Number.isFinite(v) ? Number(v) : 0),
        0
      );
      totals[metric] = (totals[metric] ?? 0) + sum;
    }
  }
  if (!found) {
    return undefined;
  }
  const minutes = (end - start + step) / 60000;
  if (!(minutes > 0)) {
    return {};
  }
  const rates: FlowRates = {};
  for (const m of ['completed', 'failed'] as const) {
    if (totals[m] !== undefined) {
      rates[m] = totals[m]! / minutes;
    }
  }
  return rates;
}

export interface CountsSample {
  at: number;
  counts: FlowCounts;
}

/** Jobs per minute from two overview samples; a metric that shrank or is missing has none. */
export function refreshRates(prev: CountsSample | undefined, cur: CountsSample): FlowRates {
  const rates: FlowRates = {};
  if (!prev || cur.at - prev.at < 1000) {
    return rates;
  }
  for (const m of ['completed', 'failed'] as const) {
    const a = prev.counts[m];
    const b = cur.counts[m];
    if (a !== undefined && b !== undefined && b >= a) {
      rates[m] = ((b - a) * 60000) / (cur.at - prev.at);
    }
  }
  return rates;
}
