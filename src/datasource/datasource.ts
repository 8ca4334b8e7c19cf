import { type CoreApp, type DataSourceInstanceSettings, type ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY, type JobscopeOptions, type JobscopeQuery } from './types';

/** Separates the values of a multi-value variable while interpolating (never in a queue name). */
const VALUE_SEPARATOR = '\u001f';

export class DataSource extends DataSourceWithBackend<JobscopeQuery, JobscopeOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<JobscopeOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(_app: CoreApp): Partial<JobscopeQuery> {
    return DEFAULT_QUERY;
  }

  /**
   * Interpolates dashboard variables in the queue list. A multi-value variable (`$queue` with
   * `a` and `b` selected) becomes one entry per value; glob patterns pass through unchanged.
   */
  applyTemplateVariables(query: JobscopeQuery, scopedVars: ScopedVars): JobscopeQuery {
    if (!query.queues?.length) {
      return query;
    }
    const templateSrv = getTemplateSrv();
    const queues = query.queues.flatMap((queue) =>
      templateSrv
        .replace(queue, scopedVars, (value: string | string[]) =>
          Array.isArray(value) ? value.join(VALUE_SEPARATOR) : String(value)
        )
        .split(VALUE_SEPARATOR)
        .map((q) => q.trim())
        .filter((q) => q.length > 0)
    );
    return { ...query, queues: Array.from(new Set(queues)) };
  }

  /** Hidden queries are not sent to the backend. */
  filterQuery(query: JobscopeQuery): boolean {
    return !query.hide;
  }
}
