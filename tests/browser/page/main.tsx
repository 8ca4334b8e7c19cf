/**
 * The browser test's page: the real flow panel (src/panel) with the real @grafana/ui and
 * @grafana/data on React 18, in Grafana's theme, fed the frames the test got from the
 * packaged backend (frames.json, Grafana's data-frame JSON shape). Query parameters:
 * theme=light|dark, w and h (the panel box in px), queue (the panel option), frames (another
 * frames file), ds (the Jobscope data source uid of the panel's query) and logs (the uid of
 * the Loki data source its settings name, served by a stand-in for Grafana's data source
 * service as Grafana serves every data source's settings to the browser).
 */
import React from 'react';
import { createRoot } from 'react-dom/client';
import { setDataSourceSrv, type DataSourceSrv } from '@grafana/runtime';
import {
  createTheme,
  type DataSourceInstanceSettings,
  EventBusSrv,
  getDefaultTimeRange,
  LoadingState,
  ThemeContext,
  ThresholdsMode,
  toDataFrame,
  type PanelProps,
} from '@grafana/data';

import { FlowPanel } from '../../../src/panel/components/FlowPanel';
import type { FlowOptions } from '../../../src/panel/types';

async function main() {
  const params = new URLSearchParams(window.location.search);
  const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
  const width = Number(params.get('w') ?? 600);
  const height = Number(params.get('h') ?? 300);
  const frames = (await (await fetch(`/${params.get('frames') ?? 'frames.json'}`)).json()) as unknown[];
  const dsUid = params.get('ds') ?? 'jobscope';
  const logsUid = params.get('logs');
  const datasources = [
    { uid: dsUid, type: 'jobscope-queues-datasource', name: 'Jobscope', jsonData: logsUid ? { logsDatasourceUid: logsUid } : {} },
    ...(logsUid ? [{ uid: logsUid, type: 'loki', name: 'Loki', jsonData: {} }] : []),
  ] as unknown as DataSourceInstanceSettings[];
  const find = (ref: unknown) => datasources.find((d) => d.uid === (typeof ref === 'string' ? ref : (ref as { uid?: string } | null)?.uid));
  setDataSourceSrv({
    get: async (ref: unknown) => {
      throw new Error(`no data source api in the test page (${String(find(ref)?.uid)})`);
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
      state: LoadingState.Done,
      series,
      timeRange,
      request: { targets: [{ refId: 'A', datasource: { type: 'jobscope-queues-datasource', uid: dsUid } }] } as unknown as PanelProps<FlowOptions>['data']['request'],
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
