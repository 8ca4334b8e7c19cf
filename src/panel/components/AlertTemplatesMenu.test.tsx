import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { getDefaultTimeRange, LoadingState, type PanelData } from '@grafana/data';
import { load } from 'js-yaml';

import { AlertTemplatesMenu, panelDatasourceUid } from './AlertTemplatesMenu';

function openMenu() {
  fireEvent.click(screen.getByRole('button', { name: /^Alert rule templates/ }));
}

const TITLES = [
  'DLQ not empty',
  'Oldest waiting job older than 5 minutes',
  'Failure ratio above 5 %',
  'Stalled jobs',
  'Work waiting and no live worker',
  'No completions in 15 minutes',
];

describe('AlertTemplatesMenu', () => {
  const original = navigator.clipboard;
  afterEach(() => Object.defineProperty(navigator, 'clipboard', { value: original, configurable: true }));

  it('lists every template for the queue', () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    expect(screen.getByText('Alert rules for queue emails')).toBeInTheDocument();
    for (const title of TITLES) {
      expect(screen.getByText(title)).toBeInTheDocument();
    }
    expect(screen.getAllByText('Create alert rule')).toHaveLength(6);
  });

  it('links to the alert rule form pre-filled for the chosen queue', () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    const link = screen.getByTestId('jobscope-alert-create-stalled').closest('a') ?? screen.getByTestId('jobscope-alert-create-stalled');
    const href = link.getAttribute('href')!;
    expect(href).toMatch(/^\/alerting\/new\/alerting\?defaults=/);
    const values = JSON.parse(decodeURIComponent(href.split('defaults=')[1]));
    // no `type`: the route (/alerting/new/alerting) picks the Grafana-managed rule form in 10.4–12
    expect(values).toEqual({
      name: 'Stalled jobs: emails',
      condition: 'C',
      noDataState: 'OK',
      execErrState: 'Error',
      evaluateFor: '5m',
      queries: [
        {
          refId: 'A',
          queryType: '',
          datasourceUid: 'ds1',
          relativeTimeRange: { from: 600, to: 0 },
          model: {
            refId: 'A',
            queryType: 'overview',
            metrics: ['stalled'],
            queues: ['emails'],
            datasource: { type: 'jobscope-queues-datasource', uid: 'ds1' },
          },
        },
        {
          refId: 'B',
          queryType: '',
          datasourceUid: '__expr__',
          model: { refId: 'B', type: 'reduce', expression: 'A', reducer: 'last', settings: { mode: 'dropNN' }, datasource: { type: '__expr__', uid: '__expr__' } },
        },
        {
          refId: 'C',
          queryType: '',
          datasourceUid: '__expr__',
          model: {
            refId: 'C',
            type: 'threshold',
            expression: 'B',
            // the classic condition shape Grafana's form writes for a threshold
            conditions: [
              {
                type: 'query',
                evaluator: { type: 'gt', params: [0] },
                operator: { type: 'and' },
                query: { params: ['C'] },
                reducer: { params: [], type: 'last' },
              },
            ],
            datasource: { type: '__expr__', uid: '__expr__' },
          },
        },
      ],
      annotations: [
        { key: 'summary', value: '{{ $labels.queue }}: {{ $values.B }} active jobs lost their worker' },
        { key: 'description', value: 'An active job whose lock expired: its worker died or hangs. The stalled checker will retry or fail it.' },
      ],
      labels: [
        { key: 'severity', value: 'warning' },
        { key: 'source', value: 'jobscope' },
      ],
    });
  });

  it('copies provisioning YAML containing the queue', async () => {
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    await act(async () => {
      fireEvent.click(screen.getByTestId('jobscope-alert-copy-dlq-not-empty'));
    });
    expect(writeText).toHaveBeenCalledTimes(1);
    const yaml: string = writeText.mock.calls[0][0];
    const doc = load(yaml) as { groups: Array<{ rules: Array<{ uid: string; data: Array<{ model: { queues?: string[] } }> }> }> };
    expect(doc.groups[0].rules).toHaveLength(1);
    expect(doc.groups[0].rules[0].uid).toBe('jobscope-dlq-not-empty-emails');
    expect(doc.groups[0].rules[0].data[0].model.queues).toEqual(['emails']);
    expect(await screen.findByRole('status')).toHaveTextContent('Copied');
  });

  it('falls back to a text area when the clipboard is refused', async () => {
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: jest.fn().mockRejectedValue(new Error('denied')) }, configurable: true });
    render(<AlertTemplatesMenu datasourceUid="ds1" />);
    openMenu();
    expect(screen.getByText('Alert rules for all queues')).toBeInTheDocument();
    await act(async () => {
      fireEvent.click(screen.getByTestId('jobscope-alert-copy-all'));
    });
    const area = await waitFor(() => screen.getByLabelText<HTMLTextAreaElement>('Provisioning YAML text'));
    const doc = load(area.value) as { groups: Array<{ rules: unknown[] }> };
    expect(doc.groups[0].rules).toHaveLength(6);
    expect(area.value).not.toContain('queues:');
  });

  it('sits in a toolbar instead of the panel corner when inline', () => {
    const { rerender } = render(<AlertTemplatesMenu datasourceUid="ds1" />);
    const corner = screen.getByTestId('jobscope-alert-templates');
    expect(getComputedStyle(corner).position).toBe('absolute');
    rerender(<AlertTemplatesMenu datasourceUid="ds1" inline />);
    expect(getComputedStyle(screen.getByTestId('jobscope-alert-templates')).position).not.toBe('absolute');
  });

  it('says so when the panel has no Jobscope data source', () => {
    render(<AlertTemplatesMenu />);
    openMenu();
    expect(screen.getByText("No Jobscope data source in this panel's queries")).toBeInTheDocument();
    expect(screen.queryByText('Create alert rule')).not.toBeInTheDocument();
  });
});

describe('panelDatasourceUid', () => {
  const data = (targets: unknown[], series: PanelData['series'] = []): PanelData =>
    ({ state: LoadingState.Done, series, timeRange: getDefaultTimeRange(), request: { targets } }) as unknown as PanelData;

  it('takes the first Jobscope query, with variables resolved', () => {
    expect(
      panelDatasourceUid(
        data([
          { refId: 'A', datasource: { type: 'prometheus', uid: 'prom' } },
          { refId: 'B', datasource: { type: 'jobscope-queues-datasource', uid: '${ds}' } },
        ]),
        (s) => s.replace('${ds}', 'jobscope-redis')
      )
    ).toBe('jobscope-redis');
    expect(panelDatasourceUid(data([{ refId: 'A', datasource: { uid: 'abc' } }]))).toBe('abc');
  });

  it('falls back to the frames’ meta', () => {
    expect(panelDatasourceUid(data([], [{ fields: [], length: 0, meta: { custom: { datasourceUid: 'm1' } } }]))).toBe('m1');
    expect(panelDatasourceUid(data([]))).toBeUndefined();
  });
});
