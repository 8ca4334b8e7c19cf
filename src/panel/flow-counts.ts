/**
 * Reads the overview frame shape (data plane "numeric-wide": one single-row frame of number
 * fields, each named by its metric and labelled {system, queue, metric}; live updates add a
 * time field) into per-state counts. numeric-multi (one field a frame) reads the same way.
 */
import { FieldType, type DataFrame } from '@grafana/data';

import { OVERVIEW_METRICS, type OverviewMetric } from '../../pkg/model/query';
import { sharedQueueOf } from './lifecycles';
import { ALL_QUEUES } from './types';

/**
 * Whether a value belongs to the shown queue: its own, or a value the system keeps for all
 * queues together (Sidekiq's schedule, retry and dead sets under `*`), which the shown queue
 * shares.
 */
export function inQueue(labels: Record<string, string> | undefined, metric: string, queue: string): boolean {
  if (queue === ALL_QUEUES || labels?.queue === queue) {
    return true;
  }
  return (
    labels?.system !== undefined && labels.queue !== undefined && sharedQueueOf(labels.system, metric) === labels.queue
  );
}

/** Throughput series (a `timeseries` query) share metric names with the overview: never counts. */
const isSeries = (frame: DataFrame) => /^timeseries/.test(frame.meta?.type ?? '');

export type FlowCounts = Partial<Record<OverviewMetric, number>>;

const METRICS = new Set<string>(OVERVIEW_METRICS);

function metricName(frameName: string | undefined, fieldName: string): OverviewMetric | undefined {
  if (METRICS.has(fieldName)) {
    return fieldName as OverviewMetric;
  }
  // A frame may name the metric while its single field is just "value".
  if (frameName && METRICS.has(frameName)) {
    return frameName as OverviewMetric;
  }
  return undefined;
}

/** Sums every metric over the frames, restricted to one queue unless `queue` is empty. */
export function flowCounts(frames: DataFrame[], queue: string = ALL_QUEUES): FlowCounts {
  const counts: FlowCounts = {};
  for (const frame of frames.filter((f) => !isSeries(f))) {
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) {
        continue;
      }
      const metric = metricName(frame.name, field.name);
      if (!metric) {
        continue;
      }
      if (!inQueue(field.labels, metric, queue)) {
        continue;
      }
      const values = field.values;
      const last = values.length ? Number(values[values.length - 1]) : NaN;
      if (Number.isFinite(last)) {
        counts[metric] = (counts[metric] ?? 0) + last;
      }
    }
  }
  return counts;
}

/** Queue names found in the frames' labels, sorted. */
export function queueNames(frames: DataFrame[]): string[] {
  const names = new Set<string>();
  for (const frame of frames) {
    for (const field of frame.fields) {
      const q = field.labels?.queue;
      if (q) {
        names.add(q);
      }
    }
  }
  return Array.from(names).sort();
}

/** Per (system, queue): the last value of each overview metric. */
function perQueue(
  frames: DataFrame[],
  queue: string
): Map<string, { system: string; queue: string; counts: FlowCounts }> {
  const out = new Map<string, { system: string; queue: string; counts: FlowCounts }>();
  for (const frame of frames.filter((f) => !isSeries(f))) {
    for (const field of frame.fields) {
      const metric = field.type === FieldType.number ? metricName(frame.name, field.name) : undefined;
      const q = field.labels?.queue;
      if (!metric || !q || (queue !== ALL_QUEUES && q !== queue && !inQueue(field.labels, metric, queue))) {
        continue;
      }
      const system = field.labels?.system ?? '';
      const key = `${system}\u0000${q}`;
      const entry = out.get(key) ?? { system, queue: q, counts: {} };
      const last = field.values.length ? Number(field.values[field.values.length - 1]) : NaN;
      if (Number.isFinite(last)) {
        entry.counts[metric] = last;
      }
      out.set(key, entry);
    }
  }
  return out;
}

/** Job systems (labels.system) found in the overview frames of the shown queue(s), sorted. */
export function flowSystems(frames: DataFrame[], queue: string = ALL_QUEUES): string[] {
  return Array.from(new Set(Array.from(perQueue(frames, queue).values(), (e) => e.system).filter(Boolean))).sort();
}

/**
 * Queues with work waiting and no live worker: workers == 0 while jobs wait and none is
 * active (an active job proves something works the queue, whatever the worker count says).
 */
export function queuesWithoutWorkers(frames: DataFrame[], queue: string = ALL_QUEUES): string[] {
  return Array.from(perQueue(frames, queue).values())
    .filter(
      (e) => e.counts.workers === 0 && (e.counts.wait ?? 0) + (e.counts.prioritized ?? 0) > 0 && !(e.counts.active ?? 0)
    )
    .map((e) => e.queue)
    .sort();
}
