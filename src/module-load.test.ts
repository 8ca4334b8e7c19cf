/**
 * Loads the built bundles the way Grafana does: each dist/**\/module.js is an AMD module that
 * calls define([...externals], factory); Grafana supplies its own react and @grafana/* for the
 * externals and reads `plugin` from the factory's exports. Here the externals are the real
 * packages from node_modules, so the test checks that the bundles load and export the right
 * kind of plugin. It reads dist/: run `npm run build:frontend` first (`npm run test:frontend`
 * does both); a missing build fails the test rather than skipping it.
 */
import fs from 'fs';
import path from 'path';
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as jsxRuntime from 'react/jsx-runtime';
import * as grafanaData from '@grafana/data';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaUi from '@grafana/ui';
import * as emotionCss from '@emotion/css';
import * as rxjs from 'rxjs';
import { render, screen } from '@testing-library/react';

const { AppPlugin, DataSourcePlugin, PanelPlugin } = grafanaData;

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');

type Exports = Record<string, unknown>;

/** Evaluates an AMD bundle with `define` supplied, as SystemJS's AMD support does in Grafana. */
function loadAmdModule(relativePath: string, pluginId: string): { exports: Exports; deps: string[] } {
  const file = path.join(DIST, relativePath);
  if (!fs.existsSync(file)) {
    throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build:frontend\` before this test.`);
  }
  const externals: Record<string, unknown> = {
    react: React,
    'react-dom': ReactDOM,
    'react/jsx-runtime': jsxRuntime,
    '@grafana/data': grafanaData,
    '@grafana/runtime': grafanaRuntime,
    '@grafana/ui': grafanaUi,
    // Grafana shares emotion with plugins (useStyles2 styles come through it).
    '@emotion/css': emotionCss,
    // Grafana shares rxjs too (create-plugin lists it as an external).
    rxjs,
    // create-plugin's public-path shim reads the module's own URL from the AMD "module" dependency.
    module: { id: pluginId, uri: `public/plugins/${pluginId}/${relativePath}` },
  };

  let captured: { deps: string[]; exports: Exports } | undefined;
  const define = (...args: unknown[]) => {
    const factory = args.find((a): a is (...deps: unknown[]) => Exports => typeof a === 'function');
    const deps = (args.find((a) => Array.isArray(a)) as string[] | undefined) ?? [];
    if (!factory) {
      throw new Error(`${relativePath}: define() was called without a factory`);
    }
    const unknown = deps.filter((d) => !(d in externals));
    if (unknown.length) {
      throw new Error(`${relativePath}: depends on externals Grafana does not provide here: ${unknown.join(', ')}`);
    }
    captured = { deps, exports: factory(...deps.map((d) => externals[d])) };
  };
  (define as unknown as { amd: object }).amd = {};

  const code = fs.readFileSync(file, 'utf8');
  new Function('define', code)(define);
  if (!captured) {
    throw new Error(`${relativePath} did not call define()`);
  }
  return captured;
}

function readPluginJson(relativeDir: string) {
  return JSON.parse(fs.readFileSync(path.join(DIST, relativeDir, 'plugin.json'), 'utf8'));
}

describe('built plugin modules (dist/)', () => {
  it('dist/module.js exports the app as an AppPlugin', () => {
    const { exports, deps } = loadAmdModule('module.js', 'jobscope-app');
    expect(exports.plugin).toBeInstanceOf(AppPlugin);
    expect(deps).toEqual(expect.arrayContaining(['react', '@grafana/data']));

    const app = exports.plugin as InstanceType<typeof AppPlugin>;
    expect(app.configPages?.map((p) => p.id)).toEqual(['overview']);

    const json = readPluginJson('.');
    expect(json).toMatchObject({ id: 'jobscope-app', type: 'app' });
    expect(json.includes).toEqual(
      expect.arrayContaining([
        // Nested plugins are declared by path, as Grafana's plugin validator requires.
        expect.objectContaining({ type: 'datasource', name: 'Jobscope queues', path: 'datasource/plugin.json' }),
        expect.objectContaining({ type: 'panel', name: 'Jobscope flow', path: 'panel/plugin.json' }),
        expect.objectContaining({ type: 'dashboard', path: 'dashboards/overview.json' }),
      ])
    );
    expect(json.info.version).toMatch(/^\d+\.\d+\.\d+/);
    // The one source is /plugin.json; the build places it (src/plugin.json is generated).
    const source = JSON.parse(fs.readFileSync(path.join(ROOT, 'plugin.json'), 'utf8'));
    // (create-plugin's BuildModeWebpackPlugin adds buildMode.)
    const { buildMode: _buildMode, ...built } = json;
    expect({ ...built, info: { ...json.info, version: '', updated: '' } }).toEqual({
      ...source,
      info: { ...source.info, version: '', updated: '' },
    });
    for (const include of json.includes as Array<{ path: string }>) {
      expect(fs.existsSync(path.join(DIST, include.path))).toBe(true);
    }
    for (const shot of json.info.screenshots as Array<{ path: string }>) {
      expect(fs.existsSync(path.join(DIST, shot.path))).toBe(true);
    }
    expect(JSON.stringify(json)).not.toMatch(/\{(yyyy|name of copyright owner)\}|github\.com\/(your|org)/i);
    expect(fs.readFileSync(path.join(DIST, 'LICENSE'), 'utf8')).not.toMatch(/\{yyyy\}|\{name of copyright owner\}/);
    expect(fs.existsSync(path.join(DIST, 'dashboards', 'overview.json'))).toBe(true);
    expect(fs.existsSync(path.join(DIST, 'img', 'logo.svg'))).toBe(true);
  });

  it('dist/datasource/module.js exports a DataSourcePlugin with both editors', () => {
    const { exports } = loadAmdModule('datasource/module.js', 'jobscope-queues-datasource');
    expect(exports.plugin).toBeInstanceOf(DataSourcePlugin);

    const ds = exports.plugin as InstanceType<typeof DataSourcePlugin>;
    expect(typeof ds.DataSourceClass).toBe('function');
    expect(ds.DataSourceClass.prototype).toBeInstanceOf(grafanaRuntime.DataSourceWithBackend);
    expect(typeof ds.components.ConfigEditor).toBe('function');
    expect(typeof ds.components.QueryEditor).toBe('function');

    expect(readPluginJson('datasource')).toMatchObject({
      id: 'jobscope-queues-datasource',
      type: 'datasource',
      backend: true,
      alerting: true,
      streaming: true,
      executable: 'gpx_jobscope',
    });
    expect(fs.existsSync(path.join(DIST, 'datasource', 'img', 'logo.svg'))).toBe(true);
  });

  it('dist/panel/module.js exports a PanelPlugin with its queue and alert-template options', () => {
    const { exports } = loadAmdModule('panel/module.js', 'jobscope-flow-panel');
    expect(exports.plugin).toBeInstanceOf(PanelPlugin);

    const panel = exports.plugin as InstanceType<typeof PanelPlugin>;
    expect(typeof panel.panel).toBe('function');
    // Grafana registers its standard option editors at start-up; stand-ins for those the panel uses.
    grafanaData.standardEditorsRegistry.setInit(() => [
      { id: 'select', name: 'Select', editor: () => null },
      { id: 'boolean', name: 'Boolean', editor: () => null },
    ]);
    const builder = new grafanaData.PanelOptionsEditorBuilder();
    panel.getPanelOptionsSupplier()(builder, { data: [] });
    const items = builder.getItems();
    expect(items.map((item) => item.path)).toEqual(['queue', 'showAlertTemplates']);
    expect(items[0].defaultValue).toBe('');
    expect(items[1].defaultValue).toBe(true);

    // The bundled component renders with the host's React and @grafana/* (the externals).
    const frame = grafanaData.createDataFrame({
      fields: [
        { name: 'active', type: grafanaData.FieldType.number, values: [42], labels: { queue: 'q', system: 'rq' } },
      ],
    });
    const timeRange = grafanaData.getDefaultTimeRange();
    const Panel = panel.panel as unknown as React.ComponentType<Record<string, unknown>>;
    render(
      React.createElement(Panel, {
        id: 1,
        data: { state: grafanaData.LoadingState.Done, series: [frame], timeRange },
        options: { queue: '' },
        // Grafana always hands panels their field config (thresholds live in its defaults).
        fieldConfig: { defaults: {}, overrides: [] },
        width: 300,
        height: 200,
      })
    );
    // RQ's own word for a job a worker runs (the catalogue's life cycle)
    expect(screen.getByTestId('jobscope-flow-node-started')).toHaveAttribute('data-count', '42');

    expect(readPluginJson('panel')).toMatchObject({ id: 'jobscope-flow-panel', type: 'panel' });
    expect(fs.existsSync(path.join(DIST, 'panel', 'img', 'logo.svg'))).toBe(true);
  });
});
