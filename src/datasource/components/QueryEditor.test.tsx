import React, { useState } from 'react';
import { fireEvent, render, screen, within } from '@testing-library/react';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';

import type { DataSource } from '../datasource';
import type { JobscopeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

const datasource = {} as DataSource;

/** Keeps the query in state like Grafana's query row, and reports each change. */
function Harness({
  initial,
  onChange,
  onRunQuery,
}: {
  initial: JobscopeQuery;
  onChange: jest.Mock;
  onRunQuery: jest.Mock;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={datasource}
      query={query}
      onRunQuery={onRunQuery}
      onChange={(next) => {
        onChange(next);
        setQuery(next);
      }}
    />
  );
}

const lastQuery = (spy: jest.Mock): JobscopeQuery => spy.mock.calls[spy.mock.calls.length - 1][0];

function openSelect(label: string) {
  fireEvent.keyDown(screen.getByLabelText(label), { key: 'ArrowDown' });
}

function setup(initial: JobscopeQuery = { refId: 'A', queryType: 'overview' }) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  render(<Harness initial={initial} onChange={onChange} onRunQuery={onRunQuery} />);
  return { onChange, onRunQuery };
}

describe('QueryEditor', () => {
  afterEach(() => {
    setTemplateSrv(undefined as unknown as TemplateSrv);
  });

  it('changes the query type, keeps the rest of the query and runs it', () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'overview', queues: ['emails'] });

    openSelect('Query type');
    fireEvent.click(screen.getByText('Failures'));

    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: 'failures', queues: ['emails'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows metrics for overview and a limit for failures', () => {
    setup({ refId: 'A', queryType: 'overview' });
    expect(screen.getByLabelText('Metrics')).toBeInTheDocument();
    expect(screen.queryByLabelText('Limit')).not.toBeInTheDocument();

    openSelect('Query type');
    fireEvent.click(screen.getByText('Failures'));
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
    expect(screen.getByLabelText('Limit')).toBeInTheDocument();
  });

  it('offers every query type and job system', () => {
    setup();
    openSelect('Query type');
    for (const label of ['Overview', 'Timeseries', 'Failures', 'Jobs', 'Workers', 'Queues']) {
      expect(screen.getAllByText(label).length).toBeGreaterThan(0);
    }
    fireEvent.keyDown(screen.getByLabelText('Query type'), { key: 'Escape' });

    openSelect('System');
    for (const system of ['bullmq', 'bull', 'sidekiq', 'celery', 'rq']) {
      expect(screen.getByText(system)).toBeInTheDocument();
    }
  });

  it('selects a system', () => {
    const { onChange, onRunQuery } = setup();
    openSelect('System');
    fireEvent.click(screen.getByText('sidekiq'));
    expect(lastQuery(onChange)).toEqual({ refId: 'A', queryType: 'overview', system: 'sidekiq' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('accepts queue patterns and dashboard variables as queues', () => {
    setTemplateSrv({
      getVariables: () => [{ name: 'queue' }],
    } as unknown as TemplateSrv);
    const { onChange } = setup();

    const input = screen.getByLabelText('Queues');
    fireEvent.change(input, { target: { value: 'orders-*' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(lastQuery(onChange).queues).toEqual(['orders-*']);

    openSelect('Queues');
    fireEvent.click(screen.getByText('$queue'));
    expect(lastQuery(onChange).queues).toEqual(['orders-*', '$queue']);
  });

  it('selects metrics from the overview metrics', () => {
    const { onChange } = setup();
    openSelect('Metrics');
    const menu = screen.getByLabelText('Select options menu');
    for (const metric of ['wait', 'prioritized', 'delayed', 'paused', 'active', 'completed', 'failed']) {
      expect(within(menu).getByText(metric)).toBeInTheDocument();
    }
    fireEvent.click(within(menu).getByText('failed'));
    expect(lastQuery(onChange).metrics).toEqual(['failed']);
  });

  it('commits a positive integer limit on blur and clears an invalid one', () => {
    const { onChange, onRunQuery } = setup({ refId: 'A', queryType: 'jobs' });
    const limit = screen.getByLabelText('Limit');

    fireEvent.change(limit, { target: { value: '25' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(limit);
    expect(lastQuery(onChange)).toEqual({ refId: 'A', queryType: 'jobs', limit: 25 });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    fireEvent.change(limit, { target: { value: '-3' } });
    fireEvent.blur(limit);
    expect(lastQuery(onChange).limit).toBeUndefined();
    expect((limit as HTMLInputElement).value).toBe('');
  });
});
