import {
  CoreApp,
  VariableSupportType,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  type ScopedVars,
} from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { firstValueFrom } from 'rxjs';

import { DataSource, type JobscopeVariableQuery, type QueueRef } from './datasource';
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
  const vars: Record<string, string | string[]> = {
    queue: ['emails', 'orders'],
    single: 'billing',
    all: '*',
    system: ['bullmq', 'rq'],
  };
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

/** What the backend's `GET queues` resource answers in these tests. */
const QUEUES: QueueRef[] = [
  { system: 'bullmq', queue: 'orders' },
  { system: 'bullmq', queue: 'emails' },
  { system: 'sidekiq', queue: 'default' },
  { system: 'sidekiq', queue: 'emails' },
  { system: 'rq', queue: 'reports' },
];

/** A data source whose resource calls are stubbed at the getResource boundary. */
function withQueues(queues: unknown = QUEUES) {
  const ds = new DataSource(settings);
  const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue(queues);
  return { ds, getResource };
}

describe('DataSource template variables', () => {
  beforeEach(() => setTemplateSrv(fakeTemplateSrv()));

  it('lists queue names, sorted and without duplicates, from GET queues', async () => {
    const { ds, getResource } = withQueues();
    const values = await ds.metricFindQuery({ refId: 'V', what: 'queues' });
    expect(getResource).toHaveBeenCalledWith('queues');
    expect(values).toEqual(['default', 'emails', 'orders', 'reports'].map((q) => ({ text: q, value: q })));
  });

  it('lists systems', async () => {
    const { ds } = withQueues();
    expect((await ds.metricFindQuery({ refId: 'V', what: 'systems' })).map((v) => v.text)).toEqual([
      'bullmq',
      'rq',
      'sidekiq',
    ]);
  });

  it('filters queues by system, with template variables in the filter', async () => {
    const { ds } = withQueues();
    expect((await ds.metricFindQuery({ refId: 'V', what: 'queues', system: 'sidekiq' })).map((v) => v.text)).toEqual([
      'default',
      'emails',
    ]);
    // $system = [bullmq, rq]
    expect((await ds.metricFindQuery({ refId: 'V', what: 'queues', system: '$system' })).map((v) => v.text)).toEqual([
      'emails',
      'orders',
      'reports',
    ]);
    // All (`*`) and an unknown variable mean no filter.
    expect(await ds.metricFindQuery({ refId: 'V', system: '$all' })).toHaveLength(4);
    expect(await ds.metricFindQuery({ refId: 'V', system: '$nope' })).toHaveLength(4);
  });

  it('accepts legacy string queries and an empty answer', async () => {
    expect((await withQueues().ds.metricFindQuery('systems')).map((v) => v.text)).toEqual(['bullmq', 'rq', 'sidekiq']);
    expect((await withQueues().ds.metricFindQuery('queues:rq')).map((v) => v.text)).toEqual(['reports']);
    expect(await withQueues(null).ds.metricFindQuery({ refId: 'V' })).toEqual([]);
  });

  it('exposes a custom variable support whose frame has text and value fields', async () => {
    const { ds } = withQueues();
    expect(ds.variables?.getType()).toBe(VariableSupportType.Custom);
    const support = ds.variables as unknown as {
      query(
        r: DataQueryRequest<JobscopeVariableQuery>
      ): import('rxjs').Observable<import('@grafana/data').DataQueryResponse>;
      editor: unknown;
    };
    expect(support.editor).toBeDefined();
    const response = await firstValueFrom(
      support.query({
        targets: [{ refId: 'V', what: 'queues', system: 'bullmq' }],
        scopedVars: {},
      } as unknown as DataQueryRequest<JobscopeVariableQuery>)
    );
    const frame = response.data[0];
    expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['text', 'value']);
    expect(frame.fields[1].values).toEqual(['emails', 'orders']);
  });

  it('expands a multi-value queue variable and All (*) into the queues list', () => {
    const ds = new DataSource(settings);
    expect(ds.applyTemplateVariables({ refId: 'A', queues: ['$queue'] }, {}).queues).toEqual(['emails', 'orders']);
    expect(ds.applyTemplateVariables({ refId: 'A', queues: ['$all'] }, {}).queues).toEqual(['*']);
  });
});
