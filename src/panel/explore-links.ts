/**
 * Explore links for a job's trace id: the trace in the tracing data source and, when the
 * Jobscope data source names a logs data source (jsonData.logsDatasourceUid), the logs that
 * mention the trace id.
 *
 * URL format (Grafana 10.4 to 12): `/explore?schemaVersion=1&panes=<json>`, panes keyed by a
 * three-character id of [a-z0-9] with at least one letter (other keys are replaced by a random
 * id), each `{datasource: <uid>, queries: [...], range: {from, to}}` with string from/to
 * (grafana/grafana public/app/features/explore/hooks/useStateSync/migrators/v1.ts).
 * Query shapes as Grafana's own trace-to-logs links build them
 * (public/app/features/explore/TraceView/createSpanLink.tsx): Loki `{expr: '{<selector>} |= "<id>"'}`,
 * Elasticsearch `{query: '"<id>"', metrics: [{id: '1', type: 'logs'}]}`.
 */
import { locationUtil, type DataSourceJsonData } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import type { JobscopeSettings } from '../../pkg/model/query';

export interface ExploreRange {
  from: string;
  to: string;
}

export interface LinkModel {
  href: string;
  title: string;
  target?: string;
}

/** A logs data source to search for trace ids. */
export interface LogsTarget {
  uid: string;
  type: string;
  /** Loki stream selector the line filter runs on. */
  labelSelector: string;
}

/** The settings the Jobscope data source keeps for logs links (jsonData). */
export type LogsLinkSettings = Pick<JobscopeSettings, 'logsDatasourceUid' | 'logsLabelSelector'> & DataSourceJsonData;

/**
 * Every Loki 3 stream has a service_name label (`unknown_service` when the sender set none),
 * so this selector matches every stream; a narrower one is faster.
 */
export const DEFAULT_LOKI_SELECTOR = '{service_name=~".+"}';
/** Logs data source types a trace id can be searched in. */
export const LOGS_DATASOURCE_TYPES = ['loki', 'elasticsearch'] as const;

export const TRACE_PANE = 'trc';
export const LOGS_PANE = 'log';
const DEFAULT_RANGE: ExploreRange = { from: 'now-1h', to: 'now' };
/** Logs and traces of a job are searched this long either side of its last known time. */
export const WINDOW_MS = 30 * 60 * 1000;

/** The Explore range around a job's time (epoch ms), or the last hour when unknown. */
export function rangeAround(timeMs?: number): ExploreRange {
  if (timeMs === undefined || !Number.isFinite(timeMs)) {
    return DEFAULT_RANGE;
  }
  return { from: String(Math.round(timeMs - WINDOW_MS)), to: String(Math.round(timeMs + WINDOW_MS)) };
}

/** Explore with one pane querying `datasource`. */
export function exploreHref(
  datasource: { uid: string; type?: string },
  query: Record<string, unknown>,
  range: ExploreRange = DEFAULT_RANGE,
  pane = TRACE_PANE
): string {
  const panes = {
    [pane]: {
      datasource: datasource.uid,
      queries: [
        {
          ...query,
          refId: 'A',
          datasource: datasource.type ? { type: datasource.type, uid: datasource.uid } : { uid: datasource.uid },
        },
      ],
      range,
    },
  };
  return locationUtil.assureBaseUrl(`/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`);
}

/** The query finding log lines that contain the trace id, or undefined for a type Jobscope cannot query. */
export function logsQuery(target: LogsTarget, traceId: string): Record<string, unknown> | undefined {
  switch (target.type) {
    case 'loki':
      // JSON string quoting is valid LogQL string quoting (Go escapes).
      return {
        expr: `${target.labelSelector || DEFAULT_LOKI_SELECTOR} |= ${JSON.stringify(traceId)}`,
        queryType: 'range',
      };
    case 'elasticsearch':
      return { query: `"${traceId.replace(/["\\]/g, '\\$&')}"`, metrics: [{ id: '1', type: 'logs' }], bucketAggs: [] };
    default:
      return undefined;
  }
}

export function logsLink(target: LogsTarget, traceId: string, timeMs?: number): LinkModel | undefined {
  const query = logsQuery(target, traceId);
  return query && { href: exploreHref(target, query, rangeAround(timeMs), LOGS_PANE), title: 'Logs' };
}

/**
 * The logs data source named in the Jobscope data source's settings, read from Grafana's data
 * source service (the settings every dashboard already has); undefined outside Grafana, when
 * none is set, or when it is not a type Jobscope can query.
 */
export function logsTargetFor(jobscopeUid: string | undefined): LogsTarget | undefined {
  if (!jobscopeUid) {
    return undefined;
  }
  try {
    const srv = getDataSourceSrv();
    const settings = srv.getInstanceSettings(jobscopeUid)?.jsonData as LogsLinkSettings | undefined;
    if (!settings?.logsDatasourceUid) {
      return undefined;
    }
    const logs = srv.getInstanceSettings(settings.logsDatasourceUid);
    if (!logs || !(LOGS_DATASOURCE_TYPES as readonly string[]).includes(logs.type)) {
      return undefined;
    }
    return {
      uid: logs.uid,
      type: logs.type,
      labelSelector: settings.logsLabelSelector?.trim() || DEFAULT_LOKI_SELECTOR,
    };
  } catch {
    return undefined; // no data source service (outside Grafana)
  }
}
