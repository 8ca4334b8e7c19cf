import { resultFrames } from './result-frames';
import type { ReadResult } from '../reading/results';

const overview: ReadResult = {
  type: 'overview',
  stats: [
    { system: 'bullmq', queue: 'a', values: { wait: 1, failed: 2 } },
    { system: 'bullmq', queue: 'b', values: { wait: 3 } },
  ],
  notices: [],
  executed: 'x',
};

describe('resultFrames', () => {
  it('labels overview values with their metric only when several metrics are shown', () => {
    const [all] = resultFrames(overview, { refId: 'A' });
    expect(all.fields.map((f) => f.labels)).toEqual([
      { system: 'bullmq', queue: 'a', metric: 'wait' },
      { system: 'bullmq', queue: 'a', metric: 'failed' },
      { system: 'bullmq', queue: 'b', metric: 'wait' },
    ]);
    const [one] = resultFrames(overview, { refId: 'A', metrics: ['failed'] });
    expect(one.fields.map((f) => [f.name, f.labels, f.values])).toEqual([
      ['failed', { system: 'bullmq', queue: 'a' }, [2]],
    ]);
    expect(one.meta?.type).toBe('numeric-wide');
  });

  it('filters series by the requested metrics, with the same label rule', () => {
    const ts: ReadResult = {
      type: 'timeseries',
      series: ['completed', 'failed'].map((metric) => ({
        metric,
        labels: { system: 'rq', queue: 'q', metric },
        times: [1, 2],
        values: [0, 1],
      })),
      notices: [],
      executed: 'x',
    };
    expect(resultFrames(ts, { refId: 'B' }).map((f) => f.fields[1].labels)).toEqual([
      { system: 'rq', queue: 'q', metric: 'completed' },
      { system: 'rq', queue: 'q', metric: 'failed' },
    ]);
    const only = resultFrames(ts, { refId: 'B', metrics: ['completed'] });
    expect(only.map((f) => [f.fields[1].name, f.fields[1].labels])).toEqual([
      ['completed', { system: 'rq', queue: 'q' }],
    ]);
  });

  it('links trace ids to the tracing data source and to the log lines of the logs data source', () => {
    const jobs: ReadResult = {
      type: 'jobs',
      rows: [{ system: 'bullmq', queue: 'q', id: '1', state: 'failed', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' }],
      notices: [],
      executed: 'x',
    };
    const links = (options: object) =>
      resultFrames(jobs, { refId: 'A', ...options })[0].fields.find((f) => f.name === 'trace_id')!.config?.links;
    expect(links({})).toBeUndefined();
    expect(
      links({ tracingDatasourceUid: 'tempo', logs: { uid: 'loki', type: 'loki', labelSelector: '{app="shop"}' } })
    ).toEqual([
      {
        title: 'Open trace',
        url: '',
        internal: { datasourceUid: 'tempo', query: { query: '${__value.raw}', queryType: 'traceql' } },
      },
      {
        title: 'Open logs',
        url: '',
        internal: { datasourceUid: 'loki', query: { expr: '{app="shop"} |= "${__value.raw}"', queryType: 'range' } },
      },
    ]);
    expect(links({ logs: { uid: 'es', type: 'elasticsearch' } })).toEqual([
      {
        title: 'Open logs',
        url: '',
        internal: { datasourceUid: 'es', query: { query: '"${__value.raw}"', metrics: [{ id: '1', type: 'logs' }] } },
      },
    ]);
    // Loki without a selector: one that matches every stream.
    expect((links({ logs: { uid: 'loki', type: 'loki' } }) as any)[0].internal.query.expr).toBe(
      '{service_name=~".+"} |= "${__value.raw}"'
    );
  });
});
