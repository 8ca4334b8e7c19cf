/**
 * Data-plane frame shapes (grafana/dataplane contract), the ones Grafana Alerting reads
 * without guessing: numeric-multi for instant values, timeseries-multi for series.
 */
import type { Field, FieldConfig, Frame, FrameMeta } from './frame';
import type { Series as ReadSeries } from '../reading/series';

const TYPE_VERSION: [number, number] = [0, 1];

export interface InstantValue {
  metric: string;
  labels: Record<string, string>;
  value: number;
  config?: FieldConfig;
}

/** A series as a system read it, with the field config its frame carries. */
export type Series = ReadSeries & { config?: FieldConfig };

/** A label set's identity, independent of key order (plain code-unit order: no locale). */
function labelKey(labels: Record<string, string>): string {
  const keys = Object.keys(labels).sort();
  let key = '';
  for (const k of keys) {
    key += `${k}\u0000${labels[k]}\u0001`;
  }
  return key;
}

/**
 * Alerting identifies a series by its labels alone (not its field name) and fails the
 * whole evaluation on duplicates; catch that here rather than in Grafana.
 */
function assertUniqueIdentities(items: Array<{ metric: string; labels: Record<string, string> }>): void {
  const seen = new Set<string>();
  for (const { metric, labels } of items) {
    const key = labelKey(labels);
    if (seen.has(key)) {
      throw new Error(`duplicate series ${metric} ${JSON.stringify(labels)}`);
    }
    seen.add(key);
  }
}

function meta(type: string, extra: Partial<FrameMeta>): FrameMeta {
  return { ...extra, type, typeVersion: TYPE_VERSION };
}

/**
 * All values in one single-row frame, a float64 field each whose labels identify it
 * (numeric-wide): what Jobscope answers overviews with, since one frame of N fields costs a
 * fraction of N one-field frames to encode, send and decode. Empty: a typed frame without
 * fields ("no data").
 */
export function numericWide(
  refId: string,
  values: InstantValue[],
  extra: Partial<FrameMeta> = {},
  /** The caller proved label sets unique more cheaply (e.g. one per queue and metric). */
  uniqueByConstruction = false
): Frame {
  if (!uniqueByConstruction) {
    assertUniqueIdentities(values);
  }
  return {
    refId,
    name: refId,
    meta: meta('numeric-wide', extra),
    fields: values.map((v) => ({
      name: v.metric,
      type: 'number',
      values: [v.value],
      labels: v.labels,
      config: v.config,
    })),
  };
}

/**
 * One frame per value: a single-row float64 field whose labels identify it. An empty
 * result is one field-less frame carrying the type, which the contract reads as "no data".
 */
export function numericMulti(refId: string, values: InstantValue[], extra: Partial<FrameMeta> = {}): Frame[] {
  assertUniqueIdentities(values);
  if (values.length === 0) {
    return [{ refId, name: refId, meta: meta('numeric-multi', extra), fields: [] }];
  }
  return values.map((v, i) => ({
    refId,
    name: v.metric,
    // Notices and query text belong to the response once, not to each of its frames.
    meta: meta('numeric-multi', i === 0 ? extra : {}),
    fields: [{ name: v.metric, type: 'number', values: [v.value], labels: v.labels, config: v.config }],
  }));
}

/** One frame per series: a sorted, non-null time field and one float64 value field. */
export function timeseriesMulti(refId: string, series: Series[], extra: Partial<FrameMeta> = {}): Frame[] {
  assertUniqueIdentities(series);
  if (series.length === 0) {
    return [{ refId, name: refId, meta: meta('timeseries-multi', extra), fields: [] }];
  }
  return series.map((s, i) => {
    if (s.times.some((t) => t === null || t === undefined || !Number.isFinite(t))) {
      throw new Error(`series ${s.metric} has missing times`);
    }
    for (let j = 1; j < s.times.length; j++) {
      if (s.times[j] < s.times[j - 1]) {
        throw new Error(`series ${s.metric} is not sorted by time`);
      }
    }
    const fields: Field[] = [
      { name: 'time', type: 'time', values: s.times },
      { name: s.metric, type: 'number', values: s.values, labels: s.labels, config: s.config },
    ];
    return { refId, name: s.metric, meta: meta('timeseries-multi', i === 0 ? extra : {}), fields };
  });
}

/** A plain table (job lists, failure groups): no data-plane type, shown as a table. */
export function table(refId: string, name: string, fields: Field[], extra: Partial<FrameMeta> = {}): Frame {
  const frameMeta: FrameMeta = { preferredVisualisationType: 'table' };
  if (extra.notices?.length) {
    frameMeta.notices = extra.notices;
  }
  if (extra.executedQueryString) {
    frameMeta.executedQueryString = extra.executedQueryString;
  }
  return { refId, name, meta: frameMeta, fields };
}
