/**
 * The panel's own `jobs` query for a clicked state: one target per job state the state lists
 * (its catalogued `jobStates`), on the panel's Jobscope data source, with the queue selection
 * (and system) of the panel's own query, narrowed to the queue the panel shows.
 *
 * It runs through Grafana's data source service: `getDataSourceSrv().get(uid)` gives the
 * data source instance (a DataSourceWithBackend), whose `query()` posts the targets to
 * /api/ds/query (after the data source's applyTemplateVariables) and returns an Observable of
 * DataQueryResponse with the frames already decoded, in Grafana 10.4 to 12 alike.
 */
import {
  toDataFrame,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type PanelData,
  type TimeRange,
} from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { from, lastValueFrom, type Observable } from 'rxjs';

import type { JobscopeQuery, JobState } from '../../pkg/model/query';
import { DATASOURCE_TYPE } from './alert-templates';

/** Rows asked for a state: enough to browse, few enough for one response. */
export const STATE_JOBS_LIMIT = 500;

export interface StateJobsScope {
  datasourceUid: string;
  /** The queue the panel shows (its option), or empty for the query's own selection. */
  queue: string;
  /** The one system the diagram stands for, if any. */
  system?: string;
}

/** The Jobscope query the panel's data came from (first Jobscope target), if any. */
export function panelQuery(data: PanelData): Partial<JobscopeQuery> | undefined {
  const targets = (data.request?.targets ?? []) as Array<Partial<JobscopeQuery> & { datasource?: { type?: string } }>;
  return (
    targets.find((t) => t.datasource?.type === DATASOURCE_TYPE && (t.queryType ?? 'overview') === 'overview') ??
    targets[0]
  );
}

export function stateJobsRequest(
  data: PanelData,
  timeRange: TimeRange,
  states: readonly JobState[],
  scope: StateJobsScope
): DataQueryRequest<JobscopeQuery> {
  const base = panelQuery(data);
  const queues = scope.queue ? [scope.queue] : base?.queues;
  const system = scope.system ?? base?.system;
  const request = data.request;
  return {
    requestId: `jobscope-state-jobs-${Date.now()}`,
    app: request?.app ?? 'panel',
    interval: request?.interval ?? '1m',
    intervalMs: request?.intervalMs ?? 60000,
    range: timeRange,
    scopedVars: request?.scopedVars ?? {},
    timezone: request?.timezone ?? 'browser',
    startTime: Date.now(),
    dashboardUID: request?.dashboardUID,
    panelId: request?.panelId,
    targets: states.map((state) => ({
      refId: `jobs-${state}`,
      datasource: { type: DATASOURCE_TYPE, uid: scope.datasourceUid },
      queryType: 'jobs',
      state,
      limit: STATE_JOBS_LIMIT,
      ...(system ? { system: system as JobscopeQuery['system'] } : {}),
      ...(queues?.length ? { queues } : {}),
    })),
  };
}

export interface StateJobsResult {
  frames: DataFrame[];
  /** Messages of the targets that failed (the others still list their jobs). */
  errors: string[];
}

/** Runs the request on the data source; resolves with the frames and per-target errors. */
export async function runStateJobs(
  datasourceUid: string,
  request: DataQueryRequest<JobscopeQuery>
): Promise<StateJobsResult> {
  const ds = await getDataSourceSrv().get({ uid: datasourceUid, type: DATASOURCE_TYPE });
  const response = await lastValueFrom(
    from(ds.query(request) as Observable<DataQueryResponse> | Promise<DataQueryResponse>)
  );
  const errors = (response.errors ?? [])
    .map((e) => e.message ?? String(e.data?.message ?? 'query failed'))
    .filter((m, i, all) => all.indexOf(m) === i);
  return { frames: (response.data ?? []).map((f) => toDataFrame(f)), errors };
}
