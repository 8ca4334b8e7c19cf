import React from 'react';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import {
  createDataFrame,
  createTheme,
  DataFrameType,
  EventBusSrv,
  FieldType,
  getDefaultTimeRange,
  LoadingState,
  ThresholdsMode,
  type DataFrame,
  type FieldConfigSource,
  type PanelProps,
} from '@grafana/data';

import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import { of, throwError } from 'rxjs';

import type { JobscopeQuery } from '../../../pkg/model/query';
import type { FlowOptions } from '../types';
import { FlowPanel, SPLIT_MIN_WIDTH } from './FlowPanel';
import { TOP_BAND } from './FlowDiagram';

type Value = [metric: string, value: number, queue: string, system?: string];

/** The overview frame as the backend sends it: numeric-wide, one labelled float field per value. */
function overview(values: Value[]): DataFrame {
  return createDataFrame({
    refId: 'A',
    meta: { type: DataFrameType.NumericWide, typeVersion: [0, 1] },
    fields: values.map(([metric, value, queue, system = 'bullmq']) => ({
      name: metric,
      type: FieldType.number,
      values: [value],
      labels: { system, queue, metric },
      config: { displayNameFromDS: `${queue} ${metric}` },
    })),
  });
}

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

/** A `jobs` table frame as the backend sends it, trace_id linked to a tracing data source. */
function jobs(
  rows: Array<{
    id: string;
    state: string;
    queue?: string;
    error?: string;
    payload?: string;
    trace?: string;
    truncated?: boolean;
    system?: string;
  }>
): DataFrame {
  const col = <T,>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  return createDataFrame({
    refId: 'B',
    name: 'jobs',
    fields: [
      { name: 'system', type: FieldType.string, values: col((r) => r.system ?? 'bullmq') },
      { name: 'queue', type: FieldType.string, values: col((r) => r.queue ?? 'orders') },
      { name: 'id', type: FieldType.string, values: col((r) => r.id) },
      { name: 'name', type: FieldType.string, values: col(() => 'charge') },
      { name: 'state', type: FieldType.string, values: col((r) => r.state) },
      { name: 'attempts', type: FieldType.number, values: col(() => 1) },
      { name: 'error', type: FieldType.string, values: col((r) => r.error ?? null) },
      { name: 'payload', type: FieldType.string, values: col((r) => r.payload ?? '{}') },
      { name: 'payload_bytes', type: FieldType.number, values: col((r) => (r.payload ?? '{}').length) },
      { name: 'payload_truncated', type: FieldType.boolean, values: col((r) => r.truncated ?? false) },
      {
        name: 'trace_id',
        type: FieldType.string,
        values: col((r) => r.trace ?? null),
        config: {
          links: [
            {
              title: 'Open trace',
              url: '',
              internal: {
                datasourceUid: 'tempo',
                datasourceName: 'Tempo',
                query: { query: '${__value.raw}', queryType: 'traceql' },
              },
            },
          ],
        },
      },
    ],
  });
}

const BULLMQ: Value[] = [
  ['delayed', 4, 'emails'],
  ['wait', 12, 'emails'],
  ['prioritized', 3, 'emails'],
  ['active', 2, 'emails'],
  ['completed', 1500, 'emails'],
  ['failed', 7, 'emails'],
  ['workers', 1, 'emails'],
  ['wait', 5, 'orders'],
  ['active', 1, 'orders'],
  ['failed', 2, 'orders'],
  ['stalled', 1, 'orders'],
  ['workers', 2, 'orders'],
  ['wait', 8, 'reports'],
  ['workers', 0, 'reports'],
];

const FIELD_CONFIG: FieldConfigSource = {
  defaults: {
    thresholds: {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'green' },
        { value: 5, color: 'red' },
      ],
    },
  },
  overrides: [],
};

const REQUEST = {
  targets: [
    {
      refId: 'A',
      queryType: 'overview',
      queues: ['orders', 'emails', 'reports'],
      datasource: { type: 'jobscope-queues-datasource', uid: 'jobscope-redis' },
    },
  ],
} as unknown as PanelProps<FlowOptions>['data']['request'];

function renderPanel(
  series: DataFrame[],
  options: FlowOptions = { queue: '' },
  size = { width: 800, height: 300 },
  request: PanelProps<FlowOptions>['data']['request'] = REQUEST,
  state: LoadingState = LoadingState.Done,
  errors?: PanelProps<FlowOptions>['data']['errors']
) {
  const timeRange = getDefaultTimeRange();
  const props: PanelProps<FlowOptions> = {
    id: 7,
    data: { state, series, timeRange, request, errors },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: FIELD_CONFIG,
    transparent: false,
    width: size.width,
    height: size.height,
    renderCounter: 1,
    title: 'Flow',
    eventBus: new EventBusSrv(),
    onOptionsChange: jest.fn(),
    onFieldConfigChange: jest.fn(),
    replaceVariables: (s: string) => s,
    onChangeTimeRange: jest.fn(),
  };
  return render(<FlowPanel {...props} />);
}

const node = (id: string) => screen.getByTestId(`jobscope-flow-node-${id}`);
const dark = createTheme({ colors: { mode: 'dark' } });
const rect = (el: Element) => el.querySelector('rect:nth-of-type(2)')!;

/**
 * Grafana's data source service, standing in for Grafana: `get` gives a data source whose
 * `query` records each request and answers with the given jobs rows in the asked states.
 */
function dataSource(rows: Parameters<typeof jobs>[0], fail?: string) {
  const requests: Array<{ targets: JobscopeQuery[] }> = [];
  setDataSourceSrv({
    get: async () => ({
      query: (request: { targets: JobscopeQuery[] }) => {
        requests.push(request);
        if (fail) {
          return throwError(() => ({ data: { message: fail } }));
        }
        const states = request.targets.map((t) => t.state);
        const queues = request.targets[0].queues;
        return of({
          data: [
            jobs(
              rows.filter((r) => states.includes(r.state as never) && (!queues || queues.includes(r.queue ?? 'orders')))
            ),
          ],
        });
      },
    }),
    getList: () => [],
    getInstanceSettings: () => undefined,
  } as unknown as DataSourceSrv);
  return requests;
}

describe('FlowPanel diagram', () => {
  it('draws the BullMQ life cycle summed over every queue', () => {
    renderPanel([overview(BULLMQ)]);
    expect(screen.getByRole('group', { name: 'Job flow for all queues' })).toHaveAttribute('data-graph', 'bullmq');
    expect(node('delayed')).toHaveAttribute('data-count', '4');
    // waiting = wait + prioritized
    // BullMQ's own states: prioritized apart from waiting (drawn because the data has it)
    expect(node('waiting')).toHaveAttribute('data-count', String(12 + 5 + 8));
    expect(node('prioritized')).toHaveAttribute('data-count', '3');
    expect(node('active')).toHaveAttribute('data-count', '3');
    expect(node('stalled')).toHaveAttribute('data-count', '1');
    expect(node('failed')).toHaveAttribute('data-count', '9');
    expect(node('waiting')).toHaveTextContent('Waiting25');
    // optional, and not in the data: not drawn
    expect(screen.queryByTestId('jobscope-flow-node-waiting-children')).not.toBeInTheDocument();
    // fits: the exact count with Grafana's thousands separator; exact in the tooltip too
    expect(node('completed')).toHaveTextContent('Completed1,500');
    expect(node('completed').querySelector('title')).toHaveTextContent('Completed: 1,500');
    expect(screen.getByTestId('jobscope-flow-edge-active-delayed')).toBeInTheDocument();
  });

  it('marks a queue with work but no worker on waiting', () => {
    renderPanel([overview(BULLMQ)]);
    expect(screen.getByTestId('jobscope-flow-note-waiting')).toHaveTextContent('no worker');
    expect(node('waiting').querySelector('title')).toHaveTextContent('no live worker for reports');
    // stalled jobs are a state of BullMQ's life cycle, not a note
    expect(screen.queryByTestId('jobscope-flow-note-active')).not.toBeInTheDocument();

    renderPanel([overview(BULLMQ)], { queue: 'orders' });
    // orders has a worker: no note
    expect(screen.getAllByTestId('jobscope-flow-node-waiting')[1]).toHaveAttribute('data-count', '5');
    expect(screen.getAllByTestId('jobscope-flow-note-waiting')).toHaveLength(1);
  });

  it('does not say "no worker" beside active jobs', () => {
    renderPanel([
      overview([
        ['wait', 5, 's/c', 'bullmq'],
        ['active', 100, 's/c', 'bullmq'],
        ['workers', 0, 's/c', 'bullmq'],
      ]),
    ]);
    expect(screen.queryByTestId('jobscope-flow-note-waiting')).not.toBeInTheDocument();
  });

  it('puts the wait latency, live workers and consumer use in the headline', () => {
    renderPanel(
      [overview([...BULLMQ, ['oldest_wait_seconds', 330, 'emails'], ['consumer_utilisation', 0.87, 'emails']])],
      { queue: 'emails' }
    );
    const headline = screen.getByTestId('jobscope-flow-headline');
    expect(headline).toHaveTextContent('oldest wait 5.5 mins · 1 worker · 87% consumer use');
  });

  it('draws throughput on the edges from a timeseries query of the panel', () => {
    const completed = createDataFrame({
      refId: 'T',
      name: 'completed',
      meta: { type: DataFrameType.TimeSeriesMulti, typeVersion: [0, 1] },
      fields: [
        { name: 'time', type: FieldType.time, values: [0, 60_000, 120_000] },
        {
          name: 'completed',
          type: FieldType.number,
          values: [30, 30, 30],
          labels: { system: 'bullmq', queue: 'emails' },
        },
      ],
    });
    renderPanel([overview(BULLMQ), completed], { queue: '' }, { width: 1000, height: 400 });
    expect(screen.getByTestId('jobscope-flow-edge-active-completed-rate')).toHaveTextContent('30/min');
    // the series never counts as the overview's completed
    expect(node('completed')).toHaveAttribute('data-count', '1500');
    expect(screen.queryByTestId('jobscope-flow-edge-active-failed-rate')).not.toBeInTheDocument();
  });

  it('draws the Sidekiq life cycle: scheduled → enqueued → busy → processed / retry → dead', () => {
    renderPanel([
      overview([
        ['wait', 3, 'default', 'sidekiq'],
        ['active', 1, 'default', 'sidekiq'],
        ['delayed', 2, '*', 'sidekiq'],
        ['retries', 4, '*', 'sidekiq'],
        ['dead', 6, '*', 'sidekiq'],
      ]),
    ]);
    expect(screen.getByTestId('jobscope-flow')).toHaveAttribute('data-graph', 'sidekiq');
    expect(node('scheduled')).toHaveTextContent('Scheduled2');
    expect(node('enqueued')).toHaveTextContent('Enqueued3');
    expect(node('busy')).toHaveTextContent('Busy1');
    expect(node('retry')).toHaveTextContent('Retry4');
    expect(node('dead')).toHaveTextContent('Dead6');
    // catalogued but not in the data: drawn, with "–"
    expect(node('processed')).toHaveTextContent('Processed–');
    expect(screen.getByTestId('jobscope-flow-edge-retry-enqueued')).toBeInTheDocument();
  });

  it('counts Sidekiq’s sets kept for all queues (under "*") in one shown queue', () => {
    renderPanel(
      [
        overview([
          ['wait', 3, 'default', 'sidekiq'],
          ['wait', 9, 'mailers', 'sidekiq'],
          ['delayed', 2, '*', 'sidekiq'],
          ['retries', 4, '*', 'sidekiq'],
          ['dead', 6, '*', 'sidekiq'],
          ['completed', 1234, '*', 'sidekiq'],
        ]),
      ],
      { queue: 'default' }
    );
    expect(node('enqueued')).toHaveAttribute('data-count', '3');
    expect(node('scheduled')).toHaveAttribute('data-count', '2');
    expect(node('retry')).toHaveAttribute('data-count', '4');
    expect(node('dead')).toHaveAttribute('data-count', '6');
    expect(node('processed')).toHaveAttribute('data-count', '1234');
  });

  it('draws Kafka’s life cycle: lag, a stalled flag, states without counts', () => {
    renderPanel([
      overview([
        ['wait', 1200, 'g/orders', 'kafka'],
        ['stalled', 1, 'g/orders', 'kafka'],
        ['workers', 2, 'g/orders', 'kafka'],
      ]),
    ]);
    expect(screen.getByTestId('jobscope-flow')).toHaveAttribute('data-graph', 'kafka');
    expect(node('lag')).toHaveTextContent('Lag1,200');
    expect(node('stalled')).toHaveTextContent('Stalledyes');
    // Kafka keeps no count of produced or committed records: no number, no "–"
    expect(node('produced').querySelector('[data-role="count"]')).toBeNull();
    expect(node('committed').querySelector('[data-role="label"]')).toHaveTextContent('Committed');
    expect(node('committed').querySelector('[data-role="count"]')).toBeNull();
    // optional and not in the data
    expect(screen.queryByTestId('jobscope-flow-node-dead-letter')).not.toBeInTheDocument();
    expect(screen.getByTestId('jobscope-flow-headline')).toHaveTextContent('2 workers');
  });

  it('draws a mix of life cycles as the common one, with the states the data has', () => {
    renderPanel([
      overview([
        ['wait', 1, 'q', 'bullmq'],
        ['failed', 1, 'q', 'bullmq'],
        ['retries', 2, 'default', 'sidekiq'],
      ]),
    ]);
    expect(screen.getByTestId('jobscope-flow')).toHaveAttribute('data-graph', 'mixed');
    expect(node('retry')).toHaveAttribute('data-count', '2');
    expect(screen.queryByTestId('jobscope-flow-node-delayed')).not.toBeInTheDocument();
    expect(screen.queryByTestId('jobscope-flow-node-dead')).not.toBeInTheDocument();
    expect(node('active')).toHaveTextContent('–');
  });

  it('colours by meaning: waiting and running apart, an idle zero and "–" neutral, problems by thresholds', () => {
    // the default ThemeContext (no provider) is Grafana's dark theme
    const theme = dark;
    renderPanel([
      overview([
        ['failed', 2, 'a'],
        ['wait', 1, 'a'],
        ['active', 1, 'a'],
        ['delayed', 0, 'a'],
      ]),
    ]);
    const color = (id: string) => rect(node(id)).getAttribute('stroke');
    expect(color('failed')).toBe(theme.visualization.getColorByName('green'));
    expect(color('waiting')).toBe(theme.visualization.getColorByName('blue'));
    expect(color('active')).toBe(theme.visualization.getColorByName('purple'));
    expect(color('delayed')).toBe(theme.colors.text.secondary);
    expect(color('completed')).toBe(theme.colors.text.disabled);
    expect(node('completed')).toHaveTextContent('–');

    renderPanel([overview([['failed', 9, 'b']])]);
    expect(rect(screen.getAllByTestId('jobscope-flow-node-failed')[1])).toHaveAttribute(
      'stroke',
      theme.visualization.getColorByName('red')
    );
  });

  it('shows Grafana’s loading, error and no-data views', () => {
    renderPanel([], undefined, undefined, undefined, LoadingState.Loading);
    expect(screen.getByTestId('jobscope-flow-loading')).toHaveTextContent('Loading');
    renderPanel([], undefined, undefined, undefined, LoadingState.Error, [{ message: 'redis unreachable' }]);
    // @grafana/runtime's PanelDataErrorView (Grafana swaps in its own view)
    expect(screen.getByTestId('jobscope-flow-error')).toHaveTextContent('redis unreachable');
    renderPanel([]);
    expect(screen.getByTestId('jobscope-flow-empty')).toBeInTheDocument();
    expect(screen.getByTestId('jobscope-flow-empty')).not.toHaveTextContent('redis unreachable');
    renderPanel([overview(BULLMQ)], { queue: 'missing' });
    expect(screen.getByText(/No overview data for queue missing/)).toBeInTheDocument();
  });

  it.each([
    [300, 200],
    [400, 300],
    [708, 300],
    [1440, 900],
  ])('at %ix%i keeps nodes below the bell’s band, inside the panel, and text readable', (width, height) => {
    renderPanel(
      [overview([...BULLMQ, ['completed', 999_999_999, 'orders'], ['failed', 999_999_999, 'orders']])],
      { queue: '' },
      { width, height }
    );
    const svg = screen.getByTestId('jobscope-flow');
    expect(svg).toHaveAttribute('viewBox', `0 0 ${width} ${height}`);
    for (const n of Array.from(svg.querySelectorAll('[data-testid^="jobscope-flow-node-"]'))) {
      const r = rect(n);
      const x = Number(r.getAttribute('x'));
      const y = Number(r.getAttribute('y'));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(TOP_BAND);
      expect(x + Number(r.getAttribute('width'))).toBeLessThanOrEqual(width);
      expect(y + Number(r.getAttribute('height'))).toBeLessThanOrEqual(height);
    }
    for (const text of Array.from(svg.querySelectorAll('text'))) {
      expect(Number(text.getAttribute('font-size'))).toBeGreaterThanOrEqual(10);
    }
    if (width === 1440) {
      // the diagram uses the panel: nodes far larger than at 300 px, spread over the width
      const first = rect(node('delayed'));
      expect(Number(first.getAttribute('width'))).toBeGreaterThan(200);
      expect(Number(first.getAttribute('x'))).toBeLessThan(100);
    }
  });
});

describe('FlowPanel job list', () => {
  const ROWS = [
    {
      id: '17',
      state: 'failed',
      error: 'card declined for order 100',
      trace: TRACE,
      payload: JSON.stringify({ order: 100, note: 'x'.repeat(300) }),
      truncated: true,
    },
    { id: '18', state: 'failed', error: 'card declined for order 101' },
    { id: '21', state: 'waiting' },
    { id: '22', state: 'stalled' },
    { id: '30', state: 'failed', queue: 'emails', error: 'smtp down' },
  ];

  it('lists a clicked state’s jobs with its own jobs query, in the panel’s queue', async () => {
    const requests = dataSource(ROWS);
    renderPanel([overview(BULLMQ)], { queue: 'orders' }, { width: SPLIT_MIN_WIDTH, height: 300 });
    fireEvent.click(node('failed'));

    const list = screen.getByTestId('jobscope-job-list');
    const items = await within(list).findAllByTestId('jobscope-job');
    expect(requests).toHaveLength(1);
    expect(requests[0].targets).toEqual([
      expect.objectContaining({
        queryType: 'jobs',
        state: 'failed',
        queues: ['orders'],
        system: 'bullmq',
        datasource: { type: 'jobscope-queues-datasource', uid: 'jobscope-redis' },
      }),
      expect.objectContaining({ queryType: 'jobs', state: 'dead', queues: ['orders'], system: 'bullmq' }),
    ]);
    expect(within(list).getByTestId('jobscope-job-list-title')).toHaveTextContent('Failed · 2');
    expect(items.map((i) => i.getAttribute('data-job-id'))).toEqual(['17', '18']);
    expect(items[0]).toHaveTextContent('card declined for order 100');
    expect(items[0]).toHaveTextContent('1 attempt');

    const link = within(items[0]).getByRole('link', { name: /Open trace/ });
    const panes = JSON.parse(decodeURIComponent(link.getAttribute('href')!.split('panes=')[1]));
    expect(panes.trc.queries[0]).toMatchObject({
      refId: 'A',
      query: TRACE,
      queryType: 'traceql',
      datasource: { uid: 'tempo' },
    });
    expect(within(items[1]).queryByRole('link')).not.toBeInTheDocument();
    // wide panel: diagram and list side by side
    expect(screen.getByTestId('jobscope-flow')).toBeInTheDocument();
  });

  it('lists every catalogued job state of a state (delayed: delayed and retry), with the query’s own queues when all are shown', async () => {
    const requests = dataSource([
      ...ROWS,
      { id: '40', state: 'retry' },
      { id: '41', state: 'delayed' },
      { id: '23', state: 'active' },
    ]);
    renderPanel([overview(BULLMQ)]);
    fireEvent.click(node('delayed'));
    const items = await screen.findAllByTestId('jobscope-job');
    expect(requests[0].targets.map((t) => [t.state, t.queues])).toEqual([
      ['delayed', ['orders', 'emails', 'reports']],
      ['retry', ['orders', 'emails', 'reports']],
    ]);
    expect(items.map((i) => i.getAttribute('data-job-id'))).toEqual(['40', '41']);
    // "2 of 4": the list is a part of the state's count
    expect(screen.getByTestId('jobscope-job-list-title')).toHaveTextContent('Delayed · 2 of 4');

    fireEvent.click(node('active'));
    await screen.findByText('23');
    expect(requests[1].targets.map((t) => t.state)).toEqual(['active']);
    fireEvent.click(node('stalled'));
    await screen.findByText('22');
    fireEvent.click(node('waiting'));
    await screen.findByText('21');
    expect(requests[3].targets.map((t) => t.state)).toEqual(['waiting']);
  });

  it('closes with Escape and gives the focus back to the node', async () => {
    dataSource(ROWS);
    renderPanel([overview(BULLMQ)], { queue: 'orders' }, { width: 300, height: 200 });
    fireEvent.keyDown(node('failed'), { key: 'Enter' });
    await screen.findAllByTestId('jobscope-job');
    // a small panel: the list replaces the diagram
    expect(screen.queryByTestId('jobscope-flow')).not.toBeInTheDocument();
    fireEvent.keyDown(screen.getAllByTestId('jobscope-job')[0], { key: 'Escape' });
    expect(screen.queryByTestId('jobscope-job-list')).not.toBeInTheDocument();
    await waitFor(() => expect(document.activeElement).toBe(node('failed')));
  });

  it('shows the query’s error in Grafana’s alert', async () => {
    dataSource(ROWS, 'downstream: redis unreachable');
    renderPanel([overview(BULLMQ)]);
    fireEvent.click(node('failed'));
    expect(await screen.findByText('downstream: redis unreachable')).toBeInTheDocument();
    expect(screen.getByText('The jobs query failed')).toBeInTheDocument();
  });

  it('says why a counter-only state lists nothing (Sidekiq’s processed)', () => {
    const requests = dataSource(ROWS);
    renderPanel([
      overview([
        ['completed', 10, 'default', 'sidekiq'],
        ['wait', 1, 'default', 'sidekiq'],
      ]),
    ]);
    fireEvent.click(node('processed'));
    expect(screen.getByTestId('jobscope-job-list')).toHaveTextContent(
      'Sidekiq keeps no finished jobs, only the processed counter. No jobs to list here.'
    );
    expect(requests).toHaveLength(0);
  });

  it('puts the alert templates bell in the list header beside the close button', async () => {
    dataSource(ROWS);
    renderPanel([overview(BULLMQ)], { queue: 'orders' }, { width: 300, height: 200 });
    expect(screen.getAllByRole('button', { name: /^Alert rule templates/ })).toHaveLength(1);
    fireEvent.click(node('failed'));
    await screen.findAllByTestId('jobscope-job');
    const header = screen.getByTestId('jobscope-job-list').querySelector('header')!;
    const buttons = within(header).getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([
      expect.stringMatching(/^Alert rule templates/),
      'Back to the flow',
    ]);
    expect(screen.getAllByRole('button', { name: /^Alert rule templates/ })).toHaveLength(1);
  });
});

describe('FlowPanel alert templates', () => {
  it('offers the rules that fit the system, for the panel queue and data source', () => {
    renderPanel([overview(BULLMQ)], { queue: 'orders' });
    fireEvent.click(screen.getByRole('button', { name: /^Alert rule templates/ }));
    expect(screen.getByTestId('jobscope-alert-no-worker')).toBeInTheDocument();
    // BullMQ keeps no dead letters
    expect(screen.queryByTestId('jobscope-alert-dlq-not-empty')).not.toBeInTheDocument();
    // the menu scrolls inside the panel's height
    expect(screen.getByTestId('jobscope-alert-menu').style.maxHeight).toBe('292px');
  });

  it('can be switched off', () => {
    renderPanel([overview(BULLMQ)], { queue: '', showAlertTemplates: false });
    expect(screen.queryByRole('button', { name: /^Alert rule templates/ })).not.toBeInTheDocument();
  });
});
