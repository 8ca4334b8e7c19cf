import React from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
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

import type { FlowOptions } from '../types';
import { FlowPanel, SPLIT_MIN_WIDTH } from './FlowPanel';

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
function jobs(rows: Array<{ id: string; state: string; queue?: string; error?: string; payload?: string; trace?: string; truncated?: boolean }>): DataFrame {
  const col = <T,>(f: (r: (typeof rows)[number]) => T) => rows.map(f);
  return createDataFrame({
    refId: 'B',
    name: 'jobs',
    fields: [
      { name: 'system', type: FieldType.string, values: col(() => 'bullmq') },
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
          links: [{ title: 'Open trace', url: '', internal: { datasourceUid: 'tempo', datasourceName: 'Tempo', query: { query: '${__value.raw}', queryType: 'traceql' } } }],
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
  ['workers', 0, 'orders'],
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

function renderPanel(
  series: DataFrame[],
  options: FlowOptions = { queue: '' },
  size = { width: 800, height: 300 },
  request?: PanelProps<FlowOptions>['data']['request']
) {
  const timeRange = getDefaultTimeRange();
  const props: PanelProps<FlowOptions> = {
    id: 7,
    data: { state: LoadingState.Done, series, timeRange, request },
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

describe('FlowPanel diagram', () => {
  it('draws the BullMQ life cycle summed over every queue', () => {
    renderPanel([overview(BULLMQ)]);

    expect(screen.getByRole('group', { name: 'Job flow for all queues' })).toHaveAttribute('data-family', 'bullmq');
    expect(node('delayed')).toHaveAttribute('data-count', '4');
    // waiting = wait + prioritized
    expect(node('wait')).toHaveAttribute('data-count', String(12 + 3 + 5));
    expect(node('active')).toHaveAttribute('data-count', '3');
    expect(node('failed')).toHaveAttribute('data-count', '9');
    expect(node('wait')).toHaveTextContent('Waiting20');
    // large counts shortened on the node, exact in its tooltip
    expect(node('completed')).toHaveTextContent('1.50 K');
    expect(node('completed').querySelector('title')).toHaveTextContent('Completed: 1500');
    // no dead metric: no dead node; no retries metric: no retry edge
    expect(screen.queryByTestId('jobscope-flow-node-dead')).not.toBeInTheDocument();
    expect(screen.queryByTestId('jobscope-flow-edge-failed-delayed')).not.toBeInTheDocument();
  });

  it('marks stalled jobs on active and a queue with work but no worker on waiting', () => {
    renderPanel([overview(BULLMQ)]);
    expect(screen.getByTestId('jobscope-flow-note-active')).toHaveTextContent('1 stalled');
    expect(screen.getByTestId('jobscope-flow-note-wait')).toHaveTextContent('no worker');
    expect(node('wait').querySelector('title')).toHaveTextContent('no live worker for orders');

    renderPanel([overview(BULLMQ)], { queue: 'emails' });
    expect(screen.getAllByTestId('jobscope-flow-node-wait')[1]).toHaveAttribute('data-count', '15');
    expect(screen.getAllByTestId('jobscope-flow-note-wait')).toHaveLength(1);
  });

  it('draws the retry edge and the dead state when the data has them', () => {
    renderPanel([overview([...BULLMQ, ['retries', 2, 'orders'], ['dead', 1, 'orders']])]);
    expect(screen.getByTestId('jobscope-flow-edge-failed-delayed')).toBeInTheDocument();
    expect(screen.getByTestId('jobscope-flow-edge-failed-dead')).toBeInTheDocument();
    expect(node('dead')).toHaveAttribute('data-count', '1');
  });

  it('draws the Sidekiq life cycle: scheduled → enqueued → busy → retry → dead', () => {
    renderPanel([
      overview([
        ['wait', 3, 'default', 'sidekiq'],
        ['active', 1, 'default', 'sidekiq'],
        ['delayed', 2, '*', 'sidekiq'],
        ['retries', 4, '*', 'sidekiq'],
        ['dead', 6, '*', 'sidekiq'],
      ]),
    ]);
    expect(screen.getByTestId('jobscope-flow')).toHaveAttribute('data-family', 'sidekiq');
    expect(node('delayed')).toHaveTextContent('Scheduled2');
    expect(node('wait')).toHaveTextContent('Enqueued3');
    expect(node('active')).toHaveTextContent('Busy1');
    expect(node('retry')).toHaveTextContent('Retry4');
    expect(node('dead')).toHaveTextContent('Dead6');
    expect(screen.getByTestId('jobscope-flow-edge-retry-wait')).toBeInTheDocument();
    expect(screen.queryByTestId('jobscope-flow-node-completed')).not.toBeInTheDocument();
  });

  it('uses the generic life cycle for other systems', () => {
    renderPanel([overview([['wait', 1, 'q', 'rq'], ['failed', 1, 'q', 'rq']])]);
    expect(screen.getByTestId('jobscope-flow')).toHaveAttribute('data-family', 'generic');
    expect(screen.queryByTestId('jobscope-flow-node-delayed')).not.toBeInTheDocument();
    expect(node('active')).toHaveAttribute('data-count', '');
    expect(node('active')).toHaveTextContent('–');
  });

  it('colours problem states by the panel thresholds and the rest by the theme', () => {
    // the default ThemeContext (no provider) is Grafana's dark theme
    const theme = dark;
    const light = createTheme({ colors: { mode: 'light' } });
    renderPanel([overview([['failed', 2, 'a'], ['wait', 1, 'a']])]);
    const color = (id: string) => node(id).querySelector('rect')!.getAttribute('stroke');
    expect(color('failed')).toBe(theme.visualization.getColorByName('green'));
    expect(color('wait')).toBe(theme.colors.info.text);
    expect(light.colors.info.text).not.toBe(dark.colors.info.text);

    renderPanel([overview([['failed', 9, 'b']])]);
    expect(screen.getAllByTestId('jobscope-flow-node-failed')[1].querySelector('rect')).toHaveAttribute(
      'stroke',
      theme.visualization.getColorByName('red')
    );
  });

  it('says so when there is no overview data', () => {
    renderPanel([jobs([])]);
    expect(screen.getByTestId('jobscope-flow-empty')).toHaveTextContent('No overview data');
    renderPanel([overview(BULLMQ)], { queue: 'missing' });
    expect(screen.getByText('No overview data for queue missing')).toBeInTheDocument();
  });

  it('keeps every node, label and note inside a 300x200 panel', () => {
    renderPanel([overview([...BULLMQ, ['dead', 1, 'orders'], ['retries', 1, 'orders']])], { queue: '' }, { width: 300, height: 200 });
    const svg = screen.getByTestId('jobscope-flow');
    expect(svg).toHaveAttribute('viewBox', '0 0 300 200');
    for (const rect of Array.from(svg.querySelectorAll('rect'))) {
      const x = Number(rect.getAttribute('x'));
      const y = Number(rect.getAttribute('y'));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + Number(rect.getAttribute('width'))).toBeLessThanOrEqual(300);
      expect(y + Number(rect.getAttribute('height'))).toBeLessThanOrEqual(200);
    }
    for (const text of Array.from(svg.querySelectorAll('text'))) {
      const size = Number(text.getAttribute('font-size'));
      expect(size).toBeGreaterThanOrEqual(6);
      expect(Number(text.getAttribute('y'))).toBeLessThanOrEqual(200);
    }
  });
});

describe('FlowPanel job list', () => {
  const series = () => [
    overview(BULLMQ),
    jobs([
      { id: '17', state: 'failed', error: 'card declined for order 100', trace: TRACE, payload: JSON.stringify({ order: 100, note: 'x'.repeat(300) }), truncated: true },
      { id: '18', state: 'failed', error: 'card declined for order 101' },
      { id: '21', state: 'waiting' },
      { id: '30', state: 'failed', queue: 'emails', error: 'smtp down' },
    ]),
  ];

  it('lists the clicked state’s jobs with error, attempts and a trace link to Explore', () => {
    renderPanel(series(), { queue: 'orders' }, { width: SPLIT_MIN_WIDTH, height: 300 });
    fireEvent.click(node('failed'));

    const list = screen.getByTestId('jobscope-job-list');
    expect(within(list).getByText('Failed · 2')).toBeInTheDocument();
    const items = within(list).getAllByTestId('jobscope-job');
    expect(items.map((i) => i.getAttribute('data-job-id'))).toEqual(['17', '18']);
    expect(items[0]).toHaveTextContent('card declined for order 100');
    expect(items[0]).toHaveTextContent('1 attempt');

    const link = within(items[0]).getByRole('link', { name: /Open trace/ });
    expect(link).toHaveTextContent('Trace');
    const href = link.getAttribute('href')!;
    expect(href.startsWith('/explore?schemaVersion=1&panes=')).toBe(true);
    const panes = JSON.parse(decodeURIComponent(href.split('panes=')[1]));
    // pane ids are three characters of [a-z0-9] (Explore replaces any other)
    expect(Object.keys(panes)).toEqual(['trc']);
    expect(panes.trc.datasource).toBe('tempo');
    expect(panes.trc.queries[0]).toMatchObject({ refId: 'A', query: TRACE, queryType: 'traceql', datasource: { uid: 'tempo' } });
    expect(panes.trc.range).toEqual({ from: 'now-1h', to: 'now' });
    // no logs data source: no logs link
    expect(within(items[0]).queryByRole('link', { name: /Logs/ })).not.toBeInTheDocument();
    // no trace id: no link
    expect(within(items[1]).queryByRole('link')).not.toBeInTheDocument();
    // wide panel: diagram and list side by side
    expect(screen.getByTestId('jobscope-flow')).toBeInTheDocument();
  });

  it('prefers Grafana’s own link supplier when the field has one', () => {
    const frames = series();
    const trace = frames[1].fields.find((f) => f.name === 'trace_id')!;
    trace.getLinks = () => [{ href: '/explore?from-grafana', title: 'Tempo', target: '_self', origin: trace }];
    renderPanel(frames, { queue: 'orders' });
    fireEvent.click(node('failed'));
    expect(screen.getByRole('link', { name: /Tempo/ })).toHaveAttribute('href', '/explore?from-grafana');
  });

  it('cuts long payloads to a line and shows all on request', () => {
    renderPanel(series(), { queue: 'orders' });
    fireEvent.click(node('failed'));
    const payload = screen.getAllByTestId('jobscope-payload')[0];
    expect(payload.textContent!.length).toBe(121);
    expect(screen.getByText(/cut by the data source/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    expect(payload.textContent).toContain('x'.repeat(300));
    fireEvent.click(screen.getByRole('button', { name: 'Show less' }));
    expect(payload.textContent!.length).toBe(121);
  });

  it('shows jobs of every queue when all queues are shown, and replaces the diagram in a small panel', () => {
    renderPanel(series(), { queue: '' }, { width: 300, height: 200 });
    fireEvent.keyDown(node('failed'), { key: 'Enter' });
    const items = screen.getAllByTestId('jobscope-job');
    expect(items.map((i) => i.getAttribute('data-job-id'))).toEqual(['17', '18', '30']);
    expect(items[2]).toHaveTextContent('emails');
    expect(screen.queryByTestId('jobscope-flow')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Back to the flow' }));
    expect(screen.getByTestId('jobscope-flow')).toBeInTheDocument();
  });

  it('puts the alert templates bell in the list header beside the close button', () => {
    const request = { targets: [{ refId: 'A', datasource: { type: 'jobscope-queues-datasource', uid: 'jobscope-redis' } }] } as unknown as PanelProps<FlowOptions>['data']['request'];
    renderPanel(series(), { queue: 'orders' }, { width: 300, height: 200 }, request);
    // closed: one bell, floating in the panel corner
    expect(screen.getAllByRole('button', { name: /^Alert rule templates/ })).toHaveLength(1);
    fireEvent.click(node('failed'));
    const header = screen.getByTestId('jobscope-job-list').querySelector('header')!;
    const buttons = within(header).getAllByRole('button');
    expect(buttons.map((b) => b.getAttribute('aria-label'))).toEqual([expect.stringMatching(/^Alert rule templates/), 'Back to the flow']);
    expect(screen.getAllByRole('button', { name: /^Alert rule templates/ })).toHaveLength(1);
  });

  it('says how to get jobs when the panel has no jobs query', () => {
    renderPanel([overview(BULLMQ)]);
    fireEvent.click(node('active'));
    expect(screen.getByTestId('jobscope-job-list')).toHaveTextContent('Add a query of type jobs (state active or stalled)');
    fireEvent.click(node('active'));
    expect(screen.queryByTestId('jobscope-job-list')).not.toBeInTheDocument();
  });
});

describe('FlowPanel alert templates', () => {
  const request = { targets: [{ refId: 'A', datasource: { type: 'jobscope-queues-datasource', uid: 'jobscope-redis' } }] } as unknown as PanelProps<FlowOptions>['data']['request'];

  it('offers the rules for the panel queue and data source', () => {
    renderPanel([overview(BULLMQ)], { queue: 'orders' }, undefined, request);
    fireEvent.click(screen.getByRole('button', { name: /^Alert rule templates/ }));
    const href = screen.getByTestId('jobscope-alert-create-no-worker').closest('a')!.getAttribute('href')!;
    const values = JSON.parse(decodeURIComponent(href.split('defaults=')[1]));
    expect(values.name).toBe('Work waiting and no live worker: orders');
    expect(values.queries[0]).toMatchObject({ datasourceUid: 'jobscope-redis', model: { queues: ['orders'] } });
  });

  it('can be switched off', () => {
    renderPanel([overview(BULLMQ)], { queue: '', showAlertTemplates: false }, undefined, request);
    expect(screen.queryByRole('button', { name: /^Alert rule templates/ })).not.toBeInTheDocument();
  });
});
