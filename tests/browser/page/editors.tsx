/**
 * The editors' browser-test page: the real query, variable and config editors (src/datasource)
 * with the real @grafana/ui and @grafana/data on React 18, in Grafana's theme, inside a box of
 * the pane's size. Query parameters: editor=query|variable|config, kind (the data source's),
 * theme=light|dark, w and h (the pane in px), query (the editor's query or jsonData as JSON),
 * app (Grafana's CoreApp the editor is opened from: explore, unified-alerting, panel-editor).
 * The page keeps what the editor reports in `window.jobscope` for the test to read. The data
 * source stand-in answers the `queues` resource with the queues in `queues` (JSON).
 */
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { setDataSourceSrv, setTemplateSrv, type DataSourceSrv, type TemplateSrv } from '@grafana/runtime';
import { createTheme, ThemeContext, type CoreApp, type DataSourceSettings } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';

import { ConfigEditor } from '../../../src/datasource/components/ConfigEditor';
import { QueryEditor } from '../../../src/datasource/components/QueryEditor';
import { VariableQueryEditor } from '../../../src/datasource/components/VariableQueryEditor';
import type { DataSource, JobscopeVariableQuery, QueueRef } from '../../../src/datasource/datasource';
import type {
  DatasourceKind,
  JobscopeOptions,
  JobscopeQuery,
  JobscopeSecureSettings,
} from '../../../src/datasource/types';

declare global {
  interface Window {
    jobscope: { query?: unknown; options?: unknown; runs: number };
  }
}

const params = new URLSearchParams(window.location.search);
const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
const width = Number(params.get('w') ?? 708);
const height = Number(params.get('h') ?? 300);
const kind = (params.get('kind') || undefined) as DatasourceKind | undefined;
const editor = params.get('editor') ?? 'query';
const app = (params.get('app') || undefined) as CoreApp | undefined;
const initial = JSON.parse(params.get('query') ?? '{}');
const queues: QueueRef[] = JSON.parse(params.get('queues') ?? '[]');

window.jobscope = { runs: 0 };

const datasource = { kind, listQueues: async () => queues } as unknown as DataSource;

// Grafana's services the editors reach: dashboard variables and the data source list (pickers).
setTemplateSrv({
  getVariables: () => [{ name: 'queue' }, { name: 'system' }],
  replace: (s: string) => s,
} as unknown as TemplateSrv);
const others = [
  { uid: 'tempo', type: 'tempo', name: 'Tempo', meta: { id: 'tempo', info: { logos: {} } }, jsonData: {} },
  { uid: 'loki', type: 'loki', name: 'Loki', meta: { id: 'loki', info: { logos: {} } }, jsonData: {} },
];
setDataSourceSrv({
  get: async () => {
    throw new Error('no data source api in the test page');
  },
  getList: (filters?: { filter?: (ds: unknown) => boolean }) =>
    others.filter((d) => !filters?.filter || filters.filter(d)),
  // As Grafana's: no reference means the default data source.
  getInstanceSettings: (ref: unknown) =>
    ref == null
      ? others[0]
      : others.find((d) => d.uid === (typeof ref === 'string' ? ref : (ref as { uid?: string }).uid)),
  reload: async () => {},
  registerRuntimeDataSource: () => {},
} as unknown as DataSourceSrv);

function QueryPane() {
  const [query, setQuery] = useState<JobscopeQuery>({ refId: 'A', ...initial });
  window.jobscope.query = query;
  return (
    <QueryEditor
      datasource={datasource}
      app={app}
      query={query}
      onChange={(next) => {
        window.jobscope.query = next;
        setQuery(next);
      }}
      onRunQuery={() => window.jobscope.runs++}
    />
  );
}

function VariablePane() {
  const [query, setQuery] = useState<JobscopeVariableQuery>({ refId: 'V', ...initial });
  window.jobscope.query = query;
  return (
    <VariableQueryEditor
      datasource={datasource}
      query={query as unknown as JobscopeQuery}
      onChange={(next) => {
        window.jobscope.query = next;
        setQuery(next as unknown as JobscopeVariableQuery);
      }}
      onRunQuery={() => window.jobscope.runs++}
    />
  );
}

type Settings = DataSourceSettings<JobscopeOptions, JobscopeSecureSettings>;

function ConfigPane() {
  const [options, setOptions] = useState<Settings>({
    id: 1,
    uid: 'jobscope',
    orgId: 1,
    name: 'Jobscope',
    type: 'jobscope-queues-datasource',
    typeName: 'Jobscope queues',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    jsonData: { kind, ...initial },
    secureJsonFields: { tlsCACert: true },
    readOnly: false,
    withCredentials: false,
  } as Settings);
  window.jobscope.options = options;
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(next) => {
        window.jobscope.options = next;
        setOptions(next);
      }}
    />
  );
}

document.body.style.margin = '0';
document.body.style.background = theme.colors.background.canvas;
document.body.style.color = theme.colors.text.primary;
document.body.style.fontFamily = theme.typography.fontFamily;
document.body.style.fontSize = `${theme.typography.fontSize}px`;

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={theme}>
    {/* Grafana's own global styles (box-sizing, fonts, form elements), as every Grafana page has. */}
    <GlobalStyles />
    {/* The pane the editor sits in (a query row, a settings page): its size, scrolling inside. */}
    <div
      data-testid="pane"
      style={{
        position: 'absolute',
        left: 8,
        top: 8,
        width,
        height,
        overflow: 'auto',
        padding: theme.spacing(1),
        boxSizing: 'border-box',
        background: theme.colors.background.primary,
        border: `1px solid ${theme.colors.border.weak}`,
      }}
    >
      {editor === 'config' ? <ConfigPane /> : editor === 'variable' ? <VariablePane /> : <QueryPane />}
    </div>
  </ThemeContext.Provider>
);
