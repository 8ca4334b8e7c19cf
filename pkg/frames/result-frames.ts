/**
 * Turns what an adapter read into frames: instant values as numeric-wide, series as
 * timeseries-multi, lists as tables.
 */
import type { ReadResult } from '../reading/results';
import { InstantValue, numericWide, table, timeseriesMulti } from './dataplane';
import type { DataLink, Field, Frame, FrameMeta } from './frame';
import { OVERVIEW_METRICS } from '../model/query';

export interface FrameOptions {
  refId: string;
  /** Only these overview metrics; empty means all. */
  metrics?: string[];
  /** Tracing data source for trace-id links. */
  tracingDatasourceUid?: string;
  /** Logs data source (uid, type, Loki stream selector) for trace-id → log lines links. */
  logs?: { uid: string; type: string; labelSelector?: string };
  /** Grafana Live channel for panels that stream updates. */
  channel?: string;
}

const UNITS: Partial<Record<string, string>> = { oldest_wait_seconds: 's', consumer_utilisation: 'percentunit' };

/** Every Loki 3 stream has a service_name label, so this selector matches them all. */
const DEFAULT_LOKI_SELECTOR = '{service_name=~".+"}';

function traceLinks(options: FrameOptions): DataLink[] | undefined {
  const links: DataLink[] = [];
  // Internal links open Explore on the target data source. {query} is what Tempo, Jaeger
  // and Zipkin all accept for a trace id; the logs queries are Grafana's own trace-to-logs
  // ones (public/app/features/explore/TraceView/createSpanLink.tsx).
  if (options.tracingDatasourceUid) {
    links.push({
      title: 'Open trace',
      url: '',
      internal: {
        datasourceUid: options.tracingDatasourceUid,
        query: { query: '${__value.raw}', queryType: 'traceql' },
      },
    });
  }
  const logs = options.logs;
  if (logs?.type === 'loki') {
    const expr = `${logs.labelSelector?.trim() || DEFAULT_LOKI_SELECTOR} |= "\${__value.raw}"`;
    links.push({
      title: 'Open logs',
      url: '',
      internal: { datasourceUid: logs.uid, query: { expr, queryType: 'range' } },
    });
  } else if (logs?.type === 'elasticsearch') {
    links.push({
      title: 'Open logs',
      url: '',
      internal: { datasourceUid: logs.uid, query: { query: '"${__value.raw}"', metrics: [{ id: '1', type: 'logs' }] } },
    });
  }
  return links.length > 0 ? links : undefined;
}

/**
 * Overview rows → labelled instant values, in life-cycle order. With several metrics, a
 * `metric` label keeps every series unique (alerting identifies series by labels alone);
 * a query for one metric leaves it out, so that alert expressions can combine two such
 * queries (failed / completed) series by series, matched on {system, queue}.
 */
export function overviewValues(result: Extract<ReadResult, { type: 'overview' }>, metrics?: string[]): InstantValue[] {
  const wanted = new Set(metrics?.length ? metrics : OVERVIEW_METRICS);
  const labelMetric = wanted.size > 1;
  const values: InstantValue[] = [];
  // One row per (system, queue) makes every label set unique: check that, not 10× as many labels.
  const seen = new Set<string>();
  for (const s of result.stats) {
    const key = `${s.system}\u0000${s.queue}`;
    if (seen.has(key)) {
      throw new Error(`duplicate queue ${s.system}/${s.queue}`);
    }
    seen.add(key);
  }
  for (const s of result.stats) {
    for (const metric of OVERVIEW_METRICS) {
      const v = s.values[metric];
      if (wanted.has(metric) && v !== undefined) {
        values.push({
          metric,
          labels: labelMetric ? { system: s.system, queue: s.queue, metric } : { system: s.system, queue: s.queue },
          value: v,
          config: { displayNameFromDS: `${s.queue} ${metric}`, unit: UNITS[metric] },
        });
      }
    }
  }
  return values;
}

export function resultFrames(result: ReadResult, options: FrameOptions): Frame[] {
  const { refId } = options;
  const meta: Partial<FrameMeta> = {
    executedQueryString: result.executed,
    notices: result.notices.length ? result.notices : undefined,
  };
  switch (result.type) {
    case 'overview':
      return [numericWide(refId, overviewValues(result, options.metrics), { ...meta, channel: options.channel }, true)];
    case 'timeseries': {
      // Same label rule as the overview: `metric` only while several metrics are shown.
      const series = result.series.filter((s) => !options.metrics?.length || options.metrics.includes(s.metric));
      const labelMetric = new Set(series.map((s) => s.metric)).size > 1;
      return timeseriesMulti(
        refId,
        series.map((s) => {
          const { metric: _, ...labels } = s.labels;
          return {
            ...s,
            labels: labelMetric ? { ...labels, metric: s.metric } : labels,
            config: { displayNameFromDS: `${s.labels.queue} ${s.metric}` },
          };
        }),
        meta
      );
    }
    case 'failures': {
      const g = result.groups;
      const fields: Field[] = [
        { name: 'system', type: 'string', values: g.map((x) => x.system) },
        { name: 'queue', type: 'string', values: g.map((x) => x.queue) },
        { name: 'reason', type: 'string', values: g.map((x) => x.reason) },
        { name: 'count', type: 'int64', values: g.map((x) => x.count) },
        { name: 'first_seen', type: 'time', values: g.map((x) => x.firstSeen ?? null) },
        { name: 'last_seen', type: 'time', values: g.map((x) => x.lastSeen ?? null) },
        { name: 'example_job_id', type: 'string', values: g.map((x) => x.exampleJobId ?? null) },
        { name: 'example_message', type: 'string', values: g.map((x) => x.exampleMessage ?? null) },
      ];
      return [table(refId, 'failures', fields, meta)];
    }
    case 'jobs': {
      const r = result.rows;
      const fields: Field[] = [
        { name: 'system', type: 'string', values: r.map((x) => x.system) },
        { name: 'queue', type: 'string', values: r.map((x) => x.queue) },
        { name: 'id', type: 'string', values: r.map((x) => x.id) },
        { name: 'name', type: 'string', values: r.map((x) => x.name ?? null) },
        { name: 'state', type: 'string', values: r.map((x) => x.state) },
        { name: 'attempts', type: 'int64', values: r.map((x) => x.attempts ?? null) },
        { name: 'created', type: 'time', values: r.map((x) => x.createdAt ?? null) },
        { name: 'processed', type: 'time', values: r.map((x) => x.processedAt ?? null) },
        { name: 'finished', type: 'time', values: r.map((x) => x.finishedAt ?? null) },
        { name: 'error', type: 'string', values: r.map((x) => x.error ?? null) },
        { name: 'stacktrace', type: 'string', values: r.map((x) => x.stacktrace ?? null) },
        { name: 'payload', type: 'string', values: r.map((x) => x.payload?.preview ?? null) },
        {
          name: 'payload_bytes',
          type: 'int64',
          values: r.map((x) => x.payload?.bytes ?? null),
          config: { unit: 'bytes' },
        },
        { name: 'payload_kind', type: 'string', values: r.map((x) => x.payload?.kind ?? null) },
        { name: 'payload_truncated', type: 'boolean', values: r.map((x) => x.payload?.truncated ?? null) },
        {
          name: 'trace_id',
          type: 'string',
          values: r.map((x) => x.traceId ?? null),
          config: { links: traceLinks(options) },
        },
      ];
      return [table(refId, 'jobs', fields, meta)];
    }
    case 'workers': {
      const r = result.rows;
      const fields: Field[] = [
        { name: 'system', type: 'string', values: r.map((x) => x.system) },
        { name: 'name', type: 'string', values: r.map((x) => x.name) },
        { name: 'host', type: 'string', values: r.map((x) => x.host ?? null) },
        { name: 'pid', type: 'int64', values: r.map((x) => x.pid ?? null) },
        { name: 'queues', type: 'string', values: r.map((x) => x.queues.join(', ')) },
        { name: 'busy', type: 'int64', values: r.map((x) => x.busy ?? null) },
        { name: 'concurrency', type: 'int64', values: r.map((x) => x.concurrency ?? null) },
        { name: 'last_heartbeat', type: 'time', values: r.map((x) => x.lastHeartbeat ?? null) },
        { name: 'started', type: 'time', values: r.map((x) => x.startedAt ?? null) },
        // alive stays a boolean (null: unknown) for alert rules; liveness says it in words.
        { name: 'alive', type: 'boolean', values: r.map((x) => x.alive) },
        {
          name: 'liveness',
          type: 'string',
          values: r.map((x) => (x.alive === null ? 'unknown' : x.alive ? 'alive' : 'dead')),
        },
      ];
      for (const name of [...new Set(r.flatMap((x) => Object.keys(x.columns ?? {})))]) {
        const values = r.map((x) => x.columns?.[name] ?? null);
        fields.push({ name, type: values.some((v) => typeof v === 'string') ? 'string' : 'number', values });
      }
      return [table(refId, 'workers', fields, meta)];
    }
  }
}
