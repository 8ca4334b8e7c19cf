import { createDataFrame, FieldType, type DataSourceInstanceSettings } from '@grafana/data';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';

import {
  DEFAULT_LOKI_SELECTOR,
  exploreHref,
  logsLink,
  logsQuery,
  logsTargetFor,
  type LogsLinkSettings,
} from './explore-links';
import { jobRows } from './job-rows';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const panes = (href: string) => JSON.parse(new URL(href, 'http://x').searchParams.get('panes')!);

function stubDataSources(list: Array<Partial<DataSourceInstanceSettings<LogsLinkSettings>>>) {
  setDataSourceSrv({
    getInstanceSettings: (ref: unknown) =>
      list.find((d) => d.uid === (typeof ref === 'string' ? ref : (ref as { uid?: string })?.uid)),
    getList: () => list,
  } as unknown as DataSourceSrv);
}

describe('explore links', () => {
  it('use Explore’s schemaVersion=1 panes URL with a three-character pane id', () => {
    const href = exploreHref({ uid: 'tempo', type: 'tempo' }, { query: TRACE });
    expect(href.startsWith('/explore?schemaVersion=1&panes=')).toBe(true);
    expect(panes(href)).toEqual({
      trc: {
        datasource: 'tempo',
        queries: [{ query: TRACE, refId: 'A', datasource: { type: 'tempo', uid: 'tempo' } }],
        range: { from: 'now-1h', to: 'now' },
      },
    });
  });

  it('search Loki with a line filter and Elasticsearch with a quoted term', () => {
    expect(logsQuery({ uid: 'l', type: 'loki', labelSelector: '' }, TRACE)).toEqual({
      expr: `${DEFAULT_LOKI_SELECTOR} |= "${TRACE}"`,
      queryType: 'range',
    });
    expect(logsQuery({ uid: 'l', type: 'loki', labelSelector: '{job="w"}' }, 'a"b')).toMatchObject({
      expr: '{job="w"} |= "a\\"b"',
    });
    expect(logsQuery({ uid: 'e', type: 'elasticsearch', labelSelector: '' }, TRACE)).toEqual({
      query: `"${TRACE}"`,
      metrics: [{ id: '1', type: 'logs' }],
      bucketAggs: [],
    });
    expect(logsQuery({ uid: 'p', type: 'prometheus', labelSelector: '' }, TRACE)).toBeUndefined();
    expect(panes(logsLink({ uid: 'e', type: 'elasticsearch', labelSelector: '' }, TRACE)!.href).log.datasource).toBe(
      'e'
    );
  });

  it('find the logs data source in the Jobscope data source’s settings', () => {
    stubDataSources([
      {
        uid: 'js',
        type: 'jobscope-queues-datasource',
        jsonData: { logsDatasourceUid: 'loki-1', logsLabelSelector: ' {app="w"} ' },
      },
      { uid: 'js-es', type: 'jobscope-queues-datasource', jsonData: { logsDatasourceUid: 'es-1' } },
      { uid: 'js-prom', type: 'jobscope-queues-datasource', jsonData: { logsDatasourceUid: 'prom' } },
      { uid: 'js-none', type: 'jobscope-queues-datasource', jsonData: {} },
      { uid: 'loki-1', type: 'loki', jsonData: {} },
      { uid: 'es-1', type: 'elasticsearch', jsonData: {} },
      { uid: 'prom', type: 'prometheus', jsonData: {} },
    ]);
    expect(logsTargetFor('js')).toEqual({ uid: 'loki-1', type: 'loki', labelSelector: '{app="w"}' });
    expect(logsTargetFor('js-es')).toEqual({
      uid: 'es-1',
      type: 'elasticsearch',
      labelSelector: DEFAULT_LOKI_SELECTOR,
    });
    expect(logsTargetFor('js-prom')).toBeUndefined();
    expect(logsTargetFor('js-none')).toBeUndefined();
    expect(logsTargetFor('missing')).toBeUndefined();
    expect(logsTargetFor(undefined)).toBeUndefined();
  });

  it('take a logs link from the trace_id field when the backend sends one', () => {
    const frame = createDataFrame({
      name: 'jobs',
      fields: [
        { name: 'system', type: FieldType.string, values: ['bullmq'] },
        { name: 'queue', type: FieldType.string, values: ['q'] },
        { name: 'id', type: FieldType.string, values: ['1'] },
        { name: 'state', type: FieldType.string, values: ['failed'] },
        { name: 'finished', type: FieldType.time, values: [1_700_000_000_000] },
        {
          name: 'trace_id',
          type: FieldType.string,
          values: [TRACE],
          config: {
            links: [
              {
                title: 'Open trace',
                url: '',
                internal: { datasourceUid: 'tempo', datasourceName: 'Tempo', query: { query: '${__value.raw}' } },
              },
              {
                title: 'Open logs',
                url: '',
                internal: {
                  datasourceUid: 'loki',
                  datasourceName: 'Loki',
                  query: { expr: '{job="w"} |= "${__value.raw}"' },
                },
              },
            ],
          },
        },
      ],
    });
    const [row] = jobRows([frame]);
    expect(panes(row.trace!.href).trc).toMatchObject({
      datasource: 'tempo',
      queries: [{ query: TRACE }],
      range: { from: '1699998200000', to: '1700001800000' },
    });
    expect(row.logs!.title).toBe('Open logs');
    expect(panes(row.logs!.href).trc).toMatchObject({
      datasource: 'loki',
      queries: [{ expr: `{job="w"} |= "${TRACE}"` }],
    });
  });
});
