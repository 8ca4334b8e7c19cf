import React from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
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

  it('lists every template for the queue when the systems are not known', () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    expect(screen.getByText('Alert rules for queue emails')).toBeInTheDocument();
    for (const title of TITLES) {
      expect(screen.getByText(title)).toBeInTheDocument();
    }
    expect(screen.getByText('All these rules as YAML')).toBeInTheDocument();
  });

  it('offers only the templates that fit the system: no DLQ for BullMQ, DLQ and no stalled for RabbitMQ', () => {
    const { unmount } = render(<AlertTemplatesMenu datasourceUid="ds1" systems={['bullmq']} />);
    openMenu();
    expect(screen.queryByText('DLQ not empty')).not.toBeInTheDocument();
    expect(screen.getByText('Stalled jobs')).toBeInTheDocument();
    unmount();
    render(<AlertTemplatesMenu datasourceUid="ds1" systems={['rabbitmq']} />);
    openMenu();
    expect(screen.getByText('DLQ not empty')).toBeInTheDocument();
    // a RabbitMQ delivery cannot stall (the broker requeues it when the consumer goes)
    expect(screen.queryByText('Stalled jobs')).not.toBeInTheDocument();
  });

  it('scrolls inside the height it is given', () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" maxHeight={192} />);
    openMenu();
    const menu = screen.getByTestId('jobscope-alert-menu');
    expect(menu.style.maxHeight).toBe('192px');
    expect(getComputedStyle(menu).overflowY).toBe('auto');
  });

  it('links to the alert rule form pre-filled for the chosen queue', () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    fireEvent.click(screen.getByTestId('jobscope-alert-stalled'));
    const href = screen.getByRole('link', { name: /Create alert rule/ }).getAttribute('href')!;
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
          model: {
            refId: 'B',
            type: 'reduce',
            expression: 'A',
            reducer: 'last',
            settings: { mode: 'dropNN' },
            datasource: { type: '__expr__', uid: '__expr__' },
          },
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
        {
          key: 'description',
          value:
            'An active job whose lock expired: its worker died or hangs. The stalled checker will retry or fail it.',
        },
      ],
      labels: [
        { key: 'severity', value: 'warning' },
        { key: 'source', value: 'jobscope' },
      ],
    });
  });

  it('shows a rule’s YAML in a modal with a Copy button, the focus inside, and back on the bell after', async () => {
    const writeText = jest.fn().mockResolvedValue(undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    // ClipboardButton uses the async clipboard in secure contexts (https, localhost), as Grafana is served
    Object.defineProperty(window, 'isSecureContext', { value: true, configurable: true });
    render(<AlertTemplatesMenu datasourceUid="ds1" queue="emails" />);
    openMenu();
    fireEvent.click(screen.getByTestId('jobscope-alert-dlq-not-empty'));
    const dialog = await screen.findByRole('dialog');
    const area = within(dialog).getByLabelText<HTMLTextAreaElement>('Provisioning YAML');
    await waitFor(() => expect(document.activeElement).toBe(area));
    const doc = load(area.value) as {
      groups: Array<{ rules: Array<{ uid: string; data: Array<{ model: { queues?: string[] } }> }> }>;
    };
    expect(doc.groups[0].rules).toHaveLength(1);
    expect(doc.groups[0].rules[0].uid).toBe('jobscope-dlq-not-empty-emails');
    expect(doc.groups[0].rules[0].data[0].model.queues).toEqual(['emails']);
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: /Copy YAML/ }));
    });
    expect(writeText).toHaveBeenCalledWith(area.value);
    fireEvent.click(within(dialog).getAllByRole('button', { name: 'Close' }).slice(-1)[0]);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('button', { name: /^Alert rule templates/ }))
    );
  });

  it('shows every offered rule at once for all queues', async () => {
    render(<AlertTemplatesMenu datasourceUid="ds1" />);
    openMenu();
    expect(screen.getByText('Alert rules for all queues')).toBeInTheDocument();
    fireEvent.click(screen.getByTestId('jobscope-alert-all'));
    const area = await screen.findByLabelText<HTMLTextAreaElement>('Provisioning YAML');
    const doc = load(area.value) as { groups: Array<{ rules: unknown[] }> };
    expect(doc.groups[0].rules).toHaveLength(6);
    expect(area.value).not.toContain('queues:');
  });

  it('says so when the panel has no Jobscope data source', () => {
    render(<AlertTemplatesMenu />);
    openMenu();
    expect(screen.getByText("No Jobscope data source in this panel's queries")).toBeInTheDocument();
    expect(screen.queryByText('Stalled jobs')).not.toBeInTheDocument();
  });
});

describe('panelDatasourceUid', () => {
  const data = (targets: unknown[], series: PanelData['series'] = []): PanelData =>
    ({
      state: LoadingState.Done,
      series,
      timeRange: getDefaultTimeRange(),
      request: { targets },
    }) as unknown as PanelData;

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
    expect(panelDatasourceUid(data([], [{ fields: [], length: 0, meta: { custom: { datasourceUid: 'm1' } } }]))).toBe(
      'm1'
    );
    expect(panelDatasourceUid(data([]))).toBeUndefined();
  });
});
