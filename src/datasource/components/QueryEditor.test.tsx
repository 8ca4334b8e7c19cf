import React, { useState } from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { CoreApp } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';

import { descriptorOf, METRIC_DEFINITIONS, systemsOfKind } from '../../../pkg/model/catalogue';
import { DATASOURCE_KINDS, type DatasourceKind, type OverviewMetric } from '../../../pkg/model/query';
import type { DataSource, QueueRef } from '../datasource';
import type { JobscopeQuery } from '../types';
import { QueryEditor } from './QueryEditor';

/** What the editor reads from its data source: the kind and the `queues` resource. */
function fakeDatasource(kind: DatasourceKind | undefined, queues: QueueRef[] = []) {
  return { kind, listQueues: jest.fn(async () => queues) } as unknown as DataSource;
}

/** Keeps the query in state like Grafana's query row, and reports each change. */
function Harness({
  initial,
  onChange,
  onRunQuery,
  datasource,
  app,
}: {
  initial: JobscopeQuery;
  onChange: jest.Mock;
  onRunQuery: jest.Mock;
  datasource: DataSource;
  app?: CoreApp;
}) {
  const [query, setQuery] = useState(initial);
  return (
    <QueryEditor
      datasource={datasource}
      app={app}
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
  return screen.getByLabelText('Select options menu');
}

function closeSelect(label: string) {
  fireEvent.keyDown(screen.getByLabelText(label), { key: 'Escape' });
}

/** The option labels of an open menu (each option's first line). */
function optionLabels(menu: HTMLElement): string[] {
  return within(menu)
    .getAllByRole('option')
    .map((o) => o.querySelector('span')?.textContent ?? o.textContent ?? '');
}

/** Clicks the option whose label (first line) is `label`. */
function clickOption(menu: HTMLElement, label: string) {
  const options = within(menu).getAllByRole('option');
  const option = options.find((o) => (o.querySelector('span')?.textContent ?? o.textContent) === label);
  if (!option) {
    throw new Error(`no option "${label}" in ${optionLabels(menu).join(', ')}`);
  }
  fireEvent.click(option);
}

async function setup(
  initial: JobscopeQuery = { refId: 'A', queryType: 'overview' },
  options: { kind?: DatasourceKind; queues?: QueueRef[]; app?: CoreApp } = {}
) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const kind = 'kind' in options ? options.kind : 'redis';
  const datasource = fakeDatasource(kind, options.queues ?? []);
  render(
    <Harness initial={initial} onChange={onChange} onRunQuery={onRunQuery} datasource={datasource} app={options.app} />
  );
  await act(async () => {}); // the queues resource answers
  return { onChange, onRunQuery, datasource };
}

describe('QueryEditor', () => {
  afterEach(() => {
    setTemplateSrv(undefined as unknown as TemplateSrv);
  });

  it('changes the query type, keeps the rest of the query and runs it', async () => {
    const { onChange, onRunQuery } = await setup({ refId: 'A', queryType: 'overview', queues: ['emails'] });
    openSelect('Query type');
    fireEvent.click(screen.getByText('Failures'));
    expect(onChange).toHaveBeenCalledTimes(1);
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: 'failures', queues: ['emails'] });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('shows each query type its own fields', async () => {
    await setup({ refId: 'A', queryType: 'overview' });
    const shown = () =>
      ['System', 'Queues', 'Metrics', 'State', 'Search', 'Limit'].filter((l) => screen.queryByLabelText(l) !== null);
    expect(shown()).toEqual(['System', 'Queues', 'Metrics']);
    for (const [type, fields] of [
      ['Time series', ['System', 'Queues', 'Metrics']],
      ['Failures', ['System', 'Queues', 'Limit']],
      ['Jobs', ['System', 'Queues', 'State', 'Search', 'Limit']],
      ['Workers', ['System', 'Queues']],
      ['Queues', []],
    ] as const) {
      openSelect('Query type');
      fireEvent.click(within(screen.getByLabelText('Select options menu')).getByText(type));
      expect({ type, fields: shown() }).toEqual({ type, fields });
    }
  });

  it.each(DATASOURCE_KINDS.filter((k) => systemsOfKind(k).length > 1))(
    'offers every catalogued system of a %s data source and no other',
    async (kind) => {
      await setup(undefined, { kind });
      const menu = openSelect('System');
      expect(optionLabels(menu)).toEqual(systemsOfKind(kind).map((d) => d.name));
    }
  );

  it.each(DATASOURCE_KINDS.filter((k) => systemsOfKind(k).length === 1))(
    'asks a %s data source for no system (its kind holds one) and offers that system’s job states',
    async (kind) => {
      await setup({ refId: 'A', queryType: 'jobs' }, { kind });
      expect(screen.queryByLabelText('System')).not.toBeInTheDocument();
      expect(optionLabels(openSelect('State')).map((l) => l.toLowerCase())).toEqual(systemsOfKind(kind)[0].jobStates);
    }
  );

  it('groups every catalogued system by kind when the kind is unknown', async () => {
    await setup(undefined, { kind: undefined });
    const menu = openSelect('System');
    expect(optionLabels(menu)).toEqual(DATASOURCE_KINDS.flatMap((k) => systemsOfKind(k).map((d) => d.name)));
  });

  it('selects a system', async () => {
    const { onChange, onRunQuery } = await setup();
    const sidekiq = descriptorOf('sidekiq')!;
    openSelect('System');
    fireEvent.click(screen.getByText(sidekiq.name));
    expect(lastQuery(onChange)).toEqual({ refId: 'A', queryType: 'overview', system: 'sidekiq' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('suggests the queues the data source found (of the chosen system) and dashboard variables, and takes patterns', async () => {
    setTemplateSrv({ getVariables: () => [{ name: 'queue' }] } as unknown as TemplateSrv);
    const found = [
      { system: 'bullmq', queue: 'emails' },
      { system: 'bullmq', queue: 'orders' },
      { system: 'sidekiq', queue: 'default' },
    ];
    const { onChange, datasource } = await setup(
      { refId: 'A', queryType: 'overview', system: 'bullmq' },
      { queues: found }
    );
    expect(datasource.listQueues).toHaveBeenCalledTimes(1);

    const menu = openSelect('Queues');
    expect(optionLabels(menu)).toEqual(['emails', 'orders', '$queue']);
    fireEvent.click(within(menu).getByText('orders'));
    expect(lastQuery(onChange).queues).toEqual(['orders']);

    const input = screen.getByLabelText('Queues');
    fireEvent.change(input, { target: { value: 'mail-*' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(lastQuery(onChange).queues).toEqual(['orders', 'mail-*']);
  });

  it('still takes typed queue names when the queues resource fails', async () => {
    const datasource = {
      kind: 'redis',
      listQueues: jest.fn(async () => Promise.reject(new Error('down'))),
    } as unknown as DataSource;
    const onChange = jest.fn();
    render(<Harness initial={{ refId: 'A' }} onChange={onChange} onRunQuery={jest.fn()} datasource={datasource} />);
    await act(async () => {});
    const input = screen.getByLabelText('Queues');
    fireEvent.change(input, { target: { value: 'emails' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(lastQuery(onChange).queues).toEqual(['emails']);
  });

  it.each(DATASOURCE_KINDS.flatMap((k) => systemsOfKind(k).map((d) => [d.id, k] as const)))(
    'offers %s only its catalogued metrics, described in its own terms',
    async (system, kind) => {
      const d = descriptorOf(system)!;
      await setup({ refId: 'A', queryType: 'overview', system }, { kind });
      const menu = openSelect('Metrics');
      const metrics = (Object.keys(METRIC_DEFINITIONS) as OverviewMetric[]).filter((m) => m in d.metrics);
      expect(optionLabels(menu)).toEqual(metrics.map((m) => METRIC_DEFINITIONS[m].label));
      for (const m of metrics) {
        expect(within(menu).getByText(d.metrics[m]!)).toBeInTheDocument();
      }
    }
  );

  it('selects metrics and drops those a newly chosen system does not return', async () => {
    const all = DATASOURCE_KINDS.flatMap((k) => systemsOfKind(k));
    // two systems and a metric the first returns and the second does not
    const pair = all
      .flatMap((a) => all.map((b) => [a, b] as const))
      .map(([a, b]) => [a, b, (Object.keys(a.metrics) as OverviewMetric[]).find((m) => !(m in b.metrics))] as const)
      .find(([, , m]) => m !== undefined);
    expect(pair).toBeDefined();
    const [from, to, metric] = pair!;
    const { onChange } = await setup({ refId: 'A', queryType: 'overview', system: from.id }, { kind: undefined });
    fireEvent.click(within(openSelect('Metrics')).getByText(METRIC_DEFINITIONS[metric!].label));
    expect(lastQuery(onChange).metrics).toEqual([metric]);
    closeSelect('Metrics');

    clickOption(openSelect('System'), to.name);
    expect(lastQuery(onChange)).toMatchObject({ system: to.id });
    expect(lastQuery(onChange).metrics).toBeUndefined();
  });

  it.each(DATASOURCE_KINDS.flatMap((k) => systemsOfKind(k).map((d) => [d.id, k] as const)))(
    'lists every catalogued job state of %s, and only those',
    async (system, kind) => {
      const d = descriptorOf(system)!;
      const { onChange } = await setup({ refId: 'A', queryType: 'jobs', system }, { kind });
      expect(screen.getByLabelText('State')).toBeInTheDocument();
      const labels = optionLabels(openSelect('State'));
      expect(labels.map((l) => l.toLowerCase())).toEqual(d.jobStates);
      // (the browser test selects each one)
      const last = d.jobStates[d.jobStates.length - 1];
      fireEvent.click(
        within(screen.getByLabelText('Select options menu')).getAllByRole('option')[d.jobStates.length - 1]
      );
      expect(lastQuery(onChange).state).toBe(last);
    }
  );

  it('commits the search on Enter and the limit on blur', async () => {
    const { onChange, onRunQuery } = await setup({ refId: 'A', queryType: 'jobs' });
    const search = screen.getByLabelText('Search');
    fireEvent.change(search, { target: { value: ' timeout ' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(lastQuery(onChange)).toEqual({ refId: 'A', queryType: 'jobs', search: 'timeout' });

    const limit = screen.getByLabelText('Limit');
    fireEvent.change(limit, { target: { value: '25' } });
    fireEvent.blur(limit);
    expect(lastQuery(onChange)).toEqual({ refId: 'A', queryType: 'jobs', search: 'timeout', limit: 25 });
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    fireEvent.change(limit, { target: { value: '-3' } });
    fireEvent.blur(limit);
    expect(lastQuery(onChange).limit).toBeUndefined();
    expect((limit as HTMLInputElement).value).toBe('');
  });

  it('offers an alert rule only the query types that answer numbers', async () => {
    await setup(undefined, { app: CoreApp.UnifiedAlerting });
    expect(optionLabels(openSelect('Query type'))).toEqual(['Overview', 'Time series']);
  });

  it('offers Explore every query type', async () => {
    await setup(undefined, { app: CoreApp.Explore });
    expect(optionLabels(openSelect('Query type'))).toEqual([
      'Overview',
      'Time series',
      'Failures',
      'Jobs',
      'Workers',
      'Queues',
    ]);
  });
});
