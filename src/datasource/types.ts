/**
 * Frontend view of the query and settings model. The model itself lives in
 * pkg/query/model.ts, shared with the backend so the two cannot drift; this file only adds
 * what the Grafana frontend SDK needs on top of it.
 */
import type { DataSourceJsonData, SelectableValue } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

import {
  OVERVIEW_METRICS,
  QUERY_TYPES,
  REDIS_SYSTEMS,
  type JobscopeQuery as SharedQuery,
  type JobscopeSettings,
  type OverviewMetric,
  type QueryType,
  type JobSystemId,
} from '../../pkg/query/model';

export { DATASOURCE_KINDS, DEFAULT_QUERY, OVERVIEW_METRICS, QUERY_TYPES, REDIS_SYSTEMS } from '../../pkg/query/model';
export type {
  DatasourceKind,
  JobscopeSecureSettings,
  JobscopeSettings,
  OverviewMetric,
  QueryType,
  RedisSystem,
  JobSystemId,
} from '../../pkg/query/model';

/** A query as the Grafana SDK sees it: the shared model plus Grafana's common keys (hide, datasource…). */
export type JobscopeQuery = SharedQuery & DataQuery;

/** `jsonData` as the Grafana SDK sees it: the shared settings plus Grafana's common keys. */
export type JobscopeOptions = JobscopeSettings & DataSourceJsonData;

/** Data source types offered as the trace link target. */
export const TRACING_DATASOURCE_TYPES = ['tempo', 'jaeger', 'zipkin'] as const;
/** Data source types offered as the logs link target (queries in src/panel/explore-links.ts). */
export const LOGS_DATASOURCE_TYPES = ['loki', 'elasticsearch'] as const;

const QUERY_TYPE_DESCRIPTIONS: Record<QueryType, string> = {
  overview: 'Current count of jobs per state and queue',
  timeseries: 'Job state counts over time',
  failures: 'Recent failed jobs with their errors',
  jobs: 'List of jobs',
  workers: 'Connected workers',
  queues: 'Discovered queues',
};

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((queryType) => ({
  value: queryType,
  label: queryType.charAt(0).toUpperCase() + queryType.slice(1),
  description: QUERY_TYPE_DESCRIPTIONS[queryType],
}));

export const SYSTEM_OPTIONS: Array<SelectableValue<JobSystemId>> = REDIS_SYSTEMS.map((system) => ({
  value: system,
  label: system,
}));

export const METRIC_OPTIONS: Array<SelectableValue<OverviewMetric>> = OVERVIEW_METRICS.map((metric) => ({
  value: metric,
  label: metric,
}));

/** Query types whose result is a set of counts, so the metrics selector applies. */
export const METRIC_QUERY_TYPES: readonly QueryType[] = ['overview', 'timeseries'];
/** Query types that return rows, so a limit applies. */
export const LIMIT_QUERY_TYPES: readonly QueryType[] = ['failures', 'jobs'];
