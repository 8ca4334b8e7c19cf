/**
 * The browser tests' page: the real flow panel (src/panel) with the real @grafana/ui and
 * @grafana/data on React 18, in Grafana's theme, fed frames in Grafana's data-frame JSON
 * shape. Query parameters: theme=light|dark, w and h (the panel box in px), queue (the panel
 * option), frames (the frames file), ds (the Jobscope data source uid of the panel's query),
 * logs (the uid of the Loki data source its settings name), state (loading | error | done),
 * query (JSON: the rest of the panel's own overview query, e.g. its system and queues).
 *
 * Stand-ins for what Grafana provides at run time, each as Grafana's own code does it:
 * - the data source service: `get(uid)` gives a data source whose `query()` posts the targets
 *   to the test's /query endpoint (the test answers from the packaged backend or with frames
 *   built by the backend's own frame code) and returns an Observable, as DataSourceWithBackend;
 * - PanelDataErrorView: Grafana swaps in its own view at start-up (an internal setter that
 *   @grafana/runtime 12.4 no longer exports), so the page shows @grafana/runtime's default
 *   ("Unable to render data: <message>."), which is how the test sees the panel hand errors and
 *   no data to it.
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { from } from 'rxjs';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import {
  createTheme,
  type DataQueryRequest,
  type DataSourceInstanceSettings,
  EventBusSrv,
  getDefaultTimeRange,
  LoadingState,
  ThemeContext,
  ThresholdsMode,
  toDataFrame,
  type PanelProps,
} from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { FlowPanel } from '../../../src/panel/components/FlowPanel';
import type { FlowOptions } from '../../../src/panel/types';

async function main() {
  const params = new URLSearchParams(window.location.search);
  const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
  const width = Number(params.get('w') ?? 600);
  const height = Number(params.get('h') ?? 300);
  const state = params.get('state') ?? 'done';
  const frames =
    state === 'done' ? ((await (await fetch(`/${params.get('frames') ?? 'frames.json'}`)).json()) as unknown[]) : [];
  const dsUid = params.get('ds') ?? 'jobscope';
  const logsUid = params.get('logs');
  const datasources = [
    {
      uid: dsUid,
      type: 'jobscope-queues-datasource',
      name: 'Jobscope',
      jsonData: logsUid ? { logsDatasourceUid: logsUid } : {},
    },
    ...(logsUid ? [{ uid: logsUid, type: 'loki', name: 'Loki', jsonData: {} }] : []),
  ] as unknown as DataSourceInstanceSettings[];
  const find = (ref: unknown) =>
    datasources.find((d) => d.uid === (typeof ref === 'string' ? ref : (ref as { uid?: string } | null)?.uid));
  setDataSourceSrv({
    get: async (ref: unknown) => {
      if (find(ref)?.type !== 'jobscope-queues-datasource') {
        throw new Error(`no data source api in the test page (${JSON.stringify(ref)})`);
      }
      return {
        query: (request: DataQueryRequest) =>
          from(
            fetch('/query', {
              method: 'POST',
              body: JSON.stringify({ targets: request.targets, range: request.range }),
            })
              .then((r) => r.json())
              .then((body: { frames: unknown[]; errors?: Array<{ message: string }> }) => ({
                data: body.frames.map((f) => toDataFrame(f)),
                errors: body.errors,
              }))
          ),
      };
    },
    getList: (filters?: { type?: string }) => datasources.filter((d) => !filters?.type || d.type === filters.type),
    getInstanceSettings: find,
    reload: async () => {},
    registerRuntimeDataSource: () => {},
  } as unknown as DataSourceSrv);
  const series = frames.map((f) => toDataFrame(f));
  const timeRange = getDefaultTimeRange();

  document.body.style.margin = '0';
  document.body.style.background = theme.colors.background.canvas;
  document.body.style.color = theme.colors.text.primary;
  document.body.style.fontFamily = theme.typography.fontFamily;
  document.body.style.fontSize = `${theme.typography.fontSize}px`;

  const props: PanelProps<FlowOptions> = {
    id: 1,
    data: {
      state: state === 'loading' ? LoadingState.Loading : state === 'error' ? LoadingState.Error : LoadingState.Done,
      errors: state === 'error' ? [{ message: 'downstream: connect ECONNREFUSED 127.0.0.1:6390' }] : undefined,
      series,
      timeRange,
      request: {
        targets: [
          {
            ...(JSON.parse(params.get('query') ?? '{}') as object),
            refId: 'A',
            queryType: 'overview',
            datasource: { type: 'jobscope-queues-datasource', uid: dsUid },
          },
        ],
      } as unknown as PanelProps<FlowOptions>['data']['request'],
    },
    timeRange,
    timeZone: 'utc',
    options: { queue: params.get('queue') ?? '' },
    fieldConfig: {
      defaults: {
        thresholds: {
          mode: ThresholdsMode.Absolute,
          steps: [
            { value: -Infinity, color: 'green' },
            { value: 1, color: 'red' },
          ],
        },
      },
      overrides: [],
    },
    transparent: false,
    width,
    height,
    renderCounter: 1,
    title: 'Job flow',
    eventBus: new EventBusSrv(),
    onOptionsChange: () => {},
    onFieldConfigChange: () => {},
    replaceVariables: (s: string) => s,
    onChangeTimeRange: () => {},
  };

  const root = document.getElementById('root')!;
  createRoot(root).render(
    <ThemeContext.Provider value={theme}>
      {/* Grafana's own global styles (box-sizing, Inter from public/fonts/inter/), as every Grafana page has. */}
      <GlobalStyles />
      {/* Grafana's panel chrome: a padded box of the panel's size around the content. */}
      <div
        data-testid="panel-box"
        style={{
          position: 'absolute',
          left: 8,
          top: 8,
          width,
          height,
          background: theme.colors.background.primary,
          border: `1px solid ${theme.components.panel.borderColor}`,
          boxSizing: 'content-box',
        }}
      >
        <FlowPanel {...props} />
      </div>
    </ThemeContext.Provider>
  );
}

main().catch((e) => {
  console.error(e);
});
