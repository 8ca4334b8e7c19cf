import React from 'react';
import { render, screen } from '@testing-library/react';
import {
  createDataFrame,
  DataFrameType,
  EventBusSrv,
  FieldType,
  getDefaultTimeRange,
  LoadingState,
  type DataFrame,
  type PanelProps,
} from '@grafana/data';

import type { FlowOptions } from '../types';
import { FlowPanel } from './FlowPanel';

/** One overview frame as the backend sends it: numeric-multi, a single value named by the metric. */
function countFrame(metric: string, value: number, queue: string, system = 'bullmq'): DataFrame {
  return createDataFrame({
    meta: { type: DataFrameType.NumericMulti, typeVersion: [0, 1] },
    fields: [{ name: metric, type: FieldType.number, values: [value], labels: { queue, system } }],
  });
}

const FRAMES: DataFrame[] = [
  countFrame('delayed', 4, 'emails'),
  countFrame('wait', 12, 'emails'),
  countFrame('prioritized', 3, 'emails'),
  countFrame('active', 2, 'emails'),
  countFrame('completed', 1500, 'emails'),
  countFrame('failed', 7, 'emails'),
  countFrame('wait', 5, 'orders', 'sidekiq'),
  countFrame('active', 1, 'orders', 'sidekiq'),
  countFrame('failed', 2, 'orders', 'sidekiq'),
];

function renderPanel(series: DataFrame[], options: FlowOptions = { queue: '' }, size = { width: 600, height: 300 }) {
  const timeRange = getDefaultTimeRange();
  const props: PanelProps<FlowOptions> = {
    id: 7,
    data: { state: LoadingState.Done, series, timeRange },
    timeRange,
    timeZone: 'utc',
    options,
    fieldConfig: { defaults: {}, overrides: [] },
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

describe('FlowPanel', () => {
  it('sums every queue by default and shows each state with its count', () => {
    renderPanel(FRAMES);

    expect(screen.getByRole('img', { name: 'Job flow for all queues' })).toBeInTheDocument();
    // waiting = wait + prioritized over both queues
    expect(node('delayed')).toHaveAttribute('data-count', '4');
    expect(node('wait')).toHaveAttribute('data-count', String(12 + 3 + 5));
    expect(node('active')).toHaveAttribute('data-count', '3');
    expect(node('completed')).toHaveAttribute('data-count', '1500');
    expect(node('failed')).toHaveAttribute('data-count', '9');

    expect(node('delayed')).toHaveTextContent('Delayed4');
    expect(node('wait')).toHaveTextContent('Waiting20');
    expect(node('failed')).toHaveTextContent('Failed9');
    // large counts are shortened on the node, exact in its tooltip
    expect(node('completed')).toHaveTextContent('1.50 K');
    expect(node('completed').querySelector('title')).toHaveTextContent('Completed: 1500');
    expect(screen.getByTestId('jobscope-flow-extras')).toHaveTextContent('incl. 3 prioritized');
  });

  it('shows one queue when the option names it', () => {
    renderPanel(FRAMES, { queue: 'orders' });

    expect(screen.getByRole('img', { name: 'Job flow for queue orders' })).toBeInTheDocument();
    expect(node('wait')).toHaveAttribute('data-count', '5');
    expect(node('active')).toHaveAttribute('data-count', '1');
    expect(node('failed')).toHaveAttribute('data-count', '2');
    // orders has no delayed or completed counts: shown as missing, not as zero
    expect(node('delayed')).toHaveAttribute('data-count', '');
    expect(node('delayed')).toHaveTextContent('–');
    expect(node('completed')).toHaveTextContent('–');
    expect(screen.queryByTestId('jobscope-flow-extras')).not.toBeInTheDocument();
  });

  it('ignores frames that are not overview counts', () => {
    const other = createDataFrame({
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 2] },
        { name: 'latency', type: FieldType.number, values: [10, 20], labels: { queue: 'emails' } },
      ],
    });
    renderPanel([other, countFrame('active', 6, 'emails')]);
    expect(node('active')).toHaveAttribute('data-count', '6');
    expect(node('wait')).toHaveAttribute('data-count', '');
  });

  it('says so when there is no overview data', () => {
    renderPanel([]);
    expect(screen.getByTestId('jobscope-flow-empty')).toHaveTextContent('No overview data');
    expect(screen.queryByTestId('jobscope-flow')).not.toBeInTheDocument();

    renderPanel(FRAMES, { queue: 'missing' });
    expect(screen.getByText('No overview data for queue missing')).toBeInTheDocument();
  });

  it('fits a 300x200 panel by scaling the whole diagram', () => {
    renderPanel(FRAMES, { queue: '' }, { width: 300, height: 200 });
    const svg = screen.getByTestId('jobscope-flow');
    expect(svg).toHaveAttribute('width', '300');
    expect(svg).toHaveAttribute('height', '200');
    expect(svg).toHaveAttribute('preserveAspectRatio', 'xMidYMid meet');

    // every node lies inside the view box
    const [, , vw, vh] = svg.getAttribute('viewBox')!.split(' ').map(Number);
    for (const rect of Array.from(svg.querySelectorAll('rect'))) {
      const x = Number(rect.getAttribute('x'));
      const y = Number(rect.getAttribute('y'));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(x + Number(rect.getAttribute('width'))).toBeLessThanOrEqual(vw);
      expect(y + Number(rect.getAttribute('height'))).toBeLessThanOrEqual(vh);
    }
  });
});
