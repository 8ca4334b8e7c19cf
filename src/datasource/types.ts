/**
 * Frontend view of the query and settings model. The model itself lives in
 * pkg/model/query.ts, shared with the backend so the two cannot drift; this file only adds
 * what the Grafana frontend SDK needs on top of it.
 */
import type { DataSourceJsonData, SelectableValue } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';

import {
  QUERY_TYPES,
  type JobscopeQuery as SharedQuery,
  type JobscopeSettings,
  type QueryType,
} from '../../pkg/model/query';

export {
  DATASOURCE_KINDS,
  DEFAULT_QUERY,
  KIND_NAMES,
  OVERVIEW_METRICS,
  QUERY_TYPES,
  REDIS_SYSTEMS,
} from '../../pkg/model/query';
export type {
  DatasourceKind,
  JobscopeSecureSettings,
  JobscopeSettings,
  OverviewMetric,
  QueryType,
  RedisSystem,
  JobSystemId,
} from '../../pkg/model/query';

/** A query as the Grafana SDK sees it: the shared model plus Grafana's common keys (hide, datasource…). */
export type JobscopeQuery = SharedQuery & DataQuery;

/** `jsonData` as the Grafana SDK sees it: the shared settings plus Grafana's common keys. */
export type JobscopeOptions = JobscopeSettings & DataSourceJsonData;

/** Data source types offered as the trace link target. */
export const TRACING_DATASOURCE_TYPES = ['tempo', 'jaeger', 'zipkin'] as const;
/** Data source types offered as the logs link target (queries in src/panel/explore-links.ts). */
export const LOGS_DATASOURCE_TYPES = ['loki', 'elasticsearch'] as const;

/** The Type menu: a short name and one short line each (the menu is as wide as the select). */
const QUERY_TYPE_TEXT: Record<QueryType, [label: string, description: string]> = {
  overview: ['Overview', 'Values per queue'],
  timeseries: ['Time series', 'Rates over time'],
  failures: ['Failures', 'Grouped by cause'],
  jobs: ['Jobs', 'Jobs in one state'],
  workers: ['Workers', 'Workers, liveness'],
  queues: ['Queues', 'Queues found'],
};

export const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((queryType) => ({
  value: queryType,
  label: QUERY_TYPE_TEXT[queryType][0],
  description: QUERY_TYPE_TEXT[queryType][1],
}));

/** Query types an alert rule can evaluate: they answer numbers per queue. */
export const ALERTING_QUERY_TYPES: readonly QueryType[] = ['overview', 'timeseries'];
/** Query types whose result is a set of values, so the metrics selector applies. */
export const METRIC_QUERY_TYPES: readonly QueryType[] = ['overview', 'timeseries'];
/** Query types that return rows, so a limit applies. */
export const LIMIT_QUERY_TYPES: readonly QueryType[] = ['failures', 'jobs'];
