import {
  CustomVariableSupport,
  FieldType,
  createDataFrame,
  type CoreApp,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';
import type { DataQuery } from '@grafana/schema';
import { from, map, type Observable } from 'rxjs';

import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DEFAULT_QUERY, type DatasourceKind, type JobscopeOptions, type JobscopeQuery } from './types';

/** Separates the values of a multi-value variable while interpolating (never in a queue name). */
const VALUE_SEPARATOR = '\u001f';

/**
 * Interpolates one text that may hold multi-value variables into a list: `$queue` with `a` and
 * `b` selected gives [a, b]; plain text and glob patterns give themselves.
 */
function interpolateList(text: string, scopedVars?: ScopedVars): string[] {
  return getTemplateSrv()
    .replace(text, scopedVars, (value: string | string[]) =>
      Array.isArray(value) ? value.join(VALUE_SEPARATOR) : String(value)
    )
    .split(VALUE_SEPARATOR)
    .map((v) => v.trim())
    .filter((v) => v.length > 0);
}

/** One queue as the backend's `GET queues` resource lists it. */
export interface QueueRef {
  system: string;
  queue: string;
}

/** What a query variable lists. */
export type VariableTarget = 'queues' | 'systems';

/** The query of a dashboard variable backed by Jobscope (`$queue`, `$system`). */
export interface JobscopeVariableQuery extends DataQuery {
  /** Queue names (default) or job system ids. */
  what?: VariableTarget;
  /** For queues: only those of this system; template variables allowed (`$system`). */
  system?: string;
}

export const DEFAULT_VARIABLE_QUERY: JobscopeVariableQuery = { refId: 'JobscopeVariableQuery', what: 'queues' };

/**
 * Accepts what a dashboard may hold as a variable query: the object this editor writes, a
 * legacy string (`queues`, `systems`, `queues:bullmq`) or nothing.
 */
export function normalizeVariableQuery(
  query: JobscopeVariableQuery | string | undefined | null
): JobscopeVariableQuery {
  if (typeof query === 'string') {
    const [what, system] = query.trim().split(':', 2);
    return {
      ...DEFAULT_VARIABLE_QUERY,
      what: what === 'systems' ? 'systems' : 'queues',
      ...(system ? { system } : {}),
    };
  }
  if (!query || typeof query !== 'object') {
    return DEFAULT_VARIABLE_QUERY;
  }
  return {
    ...query,
    refId: query.refId || DEFAULT_VARIABLE_QUERY.refId,
    what: query.what === 'systems' ? 'systems' : 'queues',
  };
}

/** Values of a variable query, from the queue list; sorted and without duplicates. */
export function variableValues(
  queues: QueueRef[],
  query: JobscopeVariableQuery,
  systems: readonly string[] = []
): MetricFindValue[] {
  const names =
    query.what === 'systems'
      ? queues.map((q) => q.system)
      : queues.filter((q) => systems.length === 0 || systems.includes(q.system)).map((q) => q.queue);
  return Array.from(new Set(names.filter((n) => typeof n === 'string' && n.length > 0)))
    .sort()
    .map((text) => ({ text, value: text }));
}

/**
 * Query variables through the data source's own editor (Grafana 10.4 to 12, classic and
 * Scenes dashboards). Values go back as one frame with `text` and `value` fields, the shape
 * every Grafana version turns into variable options.
 */
export class JobscopeVariableSupport extends CustomVariableSupport<
  DataSource,
  JobscopeVariableQuery,
  JobscopeQuery,
  JobscopeOptions
> {
  editor = VariableQueryEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<JobscopeVariableQuery>): Observable<DataQueryResponse> {
    const target = request.targets[0];
    return from(this.datasource.metricFindQuery(target, { scopedVars: request.scopedVars })).pipe(
      map((values) => ({
        data: [
          createDataFrame({
            refId: target?.refId ?? DEFAULT_VARIABLE_QUERY.refId,
            fields: [
              { name: 'text', type: FieldType.string, values: values.map((v) => String(v.text)) },
              { name: 'value', type: FieldType.string, values: values.map((v) => String(v.value ?? v.text)) },
            ],
          }),
        ],
      }))
    );
  }
}

export class DataSource extends DataSourceWithBackend<JobscopeQuery, JobscopeOptions> {
  /** The broker or job store this data source reads: the editors offer its systems. */
  readonly kind?: DatasourceKind;

  constructor(instanceSettings: DataSourceInstanceSettings<JobscopeOptions>) {
    super(instanceSettings);
    this.kind = instanceSettings.jsonData?.kind;
    this.variables = new JobscopeVariableSupport(this);
  }

  getDefaultQuery(_app: CoreApp): Partial<JobscopeQuery> {
    return DEFAULT_QUERY;
  }

  /** The queues the backend found (`GET queues` resource). */
  async listQueues(): Promise<QueueRef[]> {
    const queues = await this.getResource<QueueRef[]>('queues');
    return Array.isArray(queues) ? queues : [];
  }

  /** Queue names or system ids for a dashboard variable (also used by the variable support). */
  async metricFindQuery(
    query: JobscopeVariableQuery | string,
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    const q = normalizeVariableQuery(query);
    const systems = q.system ? interpolateList(q.system, options?.scopedVars) : [];
    // An unresolved variable or "All" (`*`) means no filter.
    const filter = systems.some((s) => s === '*' || s.startsWith('$')) ? [] : systems;
    return variableValues(await this.listQueues(), q, filter);
  }

  /**
   * Interpolates dashboard variables in the queue list. A multi-value variable (`$queue` with
   * `a` and `b` selected) becomes one entry per value; glob patterns pass through unchanged.
   */
  applyTemplateVariables(query: JobscopeQuery, scopedVars: ScopedVars): JobscopeQuery {
    if (!query.queues?.length) {
      return query;
    }
    const queues = query.queues.flatMap((queue) => interpolateList(queue, scopedVars));
    return { ...query, queues: Array.from(new Set(queues)) };
  }

  /** Hidden queries are not sent to the backend. */
  filterQuery(query: JobscopeQuery): boolean {
    return !query.hide;
  }
}
