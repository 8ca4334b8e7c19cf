import { CoreApp, type DataSourceInstanceSettings, type ScopedVars } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';

import { DataSource } from './datasource';
import type { JobscopeOptions, JobscopeQuery } from './types';

const settings = {
  id: 1,
  uid: 'jobscope',
  type: 'jobscope-queues-datasource',
  name: 'Jobscope',
  access: 'proxy',
  jsonData: { kind: 'redis' },
  meta: { id: 'jobscope-queues-datasource' },
  readOnly: false,
} as unknown as DataSourceInstanceSettings<JobscopeOptions>;

/** A template service with `$queue` = [emails, orders] and `$single` = billing. */
function fakeTemplateSrv(): TemplateSrv {
  const vars: Record<string, string | string[]> = { queue: ['emails', 'orders'], single: 'billing' };
  return {
    getVariables: () => [],
    replace: (target: string, _scoped?: ScopedVars, format?: unknown) =>
      (target ?? '').replace(/\$(\w+)/g, (match, name: string) => {
        const value = vars[name];
        if (value === undefined) {
          return match;
        }
        return typeof format === 'function' ? format(value) : String(value);
      }),
    containsTemplate: () => false,
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}

describe('DataSource', () => {
  beforeEach(() => setTemplateSrv(fakeTemplateSrv()));

  it('defaults new queries to the shared DEFAULT_QUERY', () => {
    const ds = new DataSource(settings);
    expect(ds.getDefaultQuery(CoreApp.PanelEditor)).toEqual({ queryType: 'overview' });
  });

  it('expands multi-value variables into one queue each and keeps patterns', () => {
    const ds = new DataSource(settings);
    const query: JobscopeQuery = {
      refId: 'A',
      queryType: 'overview',
      queues: ['$queue', 'mail-*', '$single', 'emails'],
    };
    expect(ds.applyTemplateVariables(query, {}).queues).toEqual(['emails', 'orders', 'mail-*', 'billing']);
  });

  it('leaves queries without queues untouched', () => {
    const ds = new DataSource(settings);
    const query: JobscopeQuery = { refId: 'A', queryType: 'workers' };
    expect(ds.applyTemplateVariables(query, {})).toBe(query);
  });

  it('does not send hidden queries', () => {
    const ds = new DataSource(settings);
    expect(ds.filterQuery({ refId: 'A', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'B' })).toBe(true);
  });
});
