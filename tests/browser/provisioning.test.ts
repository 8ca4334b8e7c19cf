/**
 * Everything under provisioning/ (and the app's bundled dashboards) checked the way Grafana
 * would read it: files parse, uids are unique, every data source uid exists among the
 * provisioned data sources (or is an expression / a dashboard variable), every query parses
 * with the backend's own parseQuery, and alert rule expressions reference existing refIds.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as yaml from 'js-yaml';

import { parseQuery } from '../../pkg/query/parse';
import { OVERVIEW_METRICS } from '../../pkg/model/query';

const ROOT = path.resolve(__dirname, '../..');
const PROV = path.join(ROOT, 'provisioning');
const MOUNT = '/etc/grafana/provisioning'; // where docker-compose.yaml mounts ./provisioning

function files(dir: string, ext: RegExp): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p, ext) : ext.test(e.name) ? [p] : [];
  });
}
const readYaml = (p: string) => yaml.load(fs.readFileSync(p, 'utf8')) as any;
const rel = (p: string) => path.relative(ROOT, p);

const datasourceUids = files(path.join(PROV, 'datasources'), /\.ya?ml$/).flatMap((p) =>
  (readYaml(p).datasources ?? []).map((d: any) => d.uid)
);
const PANEL_ID = JSON.parse(fs.readFileSync(path.join(ROOT, 'src/panel/plugin.json'), 'utf8')).id;
const CORE_PANELS = new Set([
  'stat',
  'table',
  'timeseries',
  'bargauge',
  'gauge',
  'text',
  'barchart',
  'piechart',
  'row',
]);

describe('provisioned data sources', () => {
  it('have unique uids, among them the one dashboards and rules use', () => {
    expect(new Set(datasourceUids).size).toBe(datasourceUids.length);
    expect(datasourceUids).toContain('jobscope-redis');
  });
});

describe('every provisioning YAML', () => {
  it.each(files(PROV, /\.ya?ml$/).map(rel))('%s parses with apiVersion 1', (file) => {
    expect(readYaml(path.join(ROOT, file)).apiVersion).toBe(1);
  });
});

const providers = files(path.join(PROV, 'dashboards'), /\.ya?ml$/).flatMap((p) => readYaml(p).providers ?? []);
const dashboardFiles = [
  ...providers.flatMap((p: any) => files(path.join(PROV, path.relative(MOUNT, p.options.path)), /\.json$/)),
  ...files(path.join(ROOT, 'src/dashboards'), /\.json$/),
];

describe('dashboard providers', () => {
  it('point at folders of this repository (as mounted) holding dashboards', () => {
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) {
      expect(p).toMatchObject({ type: 'file', options: { path: expect.stringMatching(new RegExp(`^${MOUNT}/`)) } });
      expect(files(path.join(PROV, path.relative(MOUNT, p.options.path)), /\.json$/).length).toBeGreaterThanOrEqual(4);
    }
    expect(new Set(providers.map((p: any) => p.name)).size).toBe(providers.length);
  });
});

describe.each(dashboardFiles.map(rel))('dashboard %s', (file) => {
  const dash = JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8'));
  const variables = new Set<string>((dash.templating?.list ?? []).map((v: any) => v.name));
  const panels: any[] = dash.panels.flatMap((p: any) => [p, ...(p.panels ?? [])]);

  it('has a uid, a title, a schema version and unique panel ids on a 24-column grid', () => {
    expect(dash.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dash.title).toBeTruthy();
    expect(dash.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
      expect(CORE_PANELS.has(p.type) || p.type === PANEL_ID).toBe(true);
    }
  });

  it('uses provisioned data sources (or its own data source variable) and queries the backend accepts', () => {
    const uidOk = (uid: string) =>
      datasourceUids.includes(uid) || (/^\$\{?(\w+)\}?$/.test(uid) && variables.has(uid.replace(/[${}]/g, '')));
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect({ panel: p.title, ok: uidOk(p.datasource.uid) }).toEqual({ panel: p.title, ok: true });
      for (const t of p.targets) {
        expect(uidOk(t.datasource?.uid ?? p.datasource.uid)).toBe(true);
        const { refId, datasource, ...model } = t;
        expect(() => parseQuery(refId, JSON.stringify(model))).not.toThrow();
        for (const m of model.metrics ?? []) {
          expect(OVERVIEW_METRICS).toContain(m);
        }
      }
      expect(new Set(p.targets.map((t: any) => t.refId)).size).toBe(p.targets.length);
    }
  });
});

const ruleFiles = files(path.join(PROV, 'alerting'), /\.ya?ml$/);
const rules = ruleFiles.flatMap((p) =>
  readYaml(p).groups.flatMap((g: any) => g.rules.map((r: any) => ({ group: g, rule: r })))
);

describe('alert rules', () => {
  it('come in groups with a name, folder and interval, with unique rule uids', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6);
    for (const { group } of rules) {
      expect(group).toMatchObject({
        orgId: 1,
        name: expect.any(String),
        folder: expect.any(String),
        interval: expect.stringMatching(/^\d+[smh]$/),
      });
    }
    const uids = rules.map(({ rule }) => rule.uid);
    expect(new Set(uids).size).toBe(uids.length);
    uids.forEach((u) => expect(u).toMatch(/^[a-zA-Z0-9_-]{1,40}$/));
  });

  it.each(rules.map(({ rule }) => [rule.title, rule]))(
    '%s: queries parse, expressions reference existing refIds',
    (_title, rule: any) => {
      const refIds = rule.data.map((d: any) => d.refId);
      expect(new Set(refIds).size).toBe(refIds.length);
      expect(refIds).toContain(rule.condition);
      expect(['OK', 'NoData', 'Alerting', 'KeepLast']).toContain(rule.noDataState);
      expect(['OK', 'Error', 'Alerting', 'KeepLast']).toContain(rule.execErrState);
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(rule.annotations.summary).toBeTruthy();
      for (const d of rule.data) {
        expect(d.model.refId).toBe(d.refId);
        if (d.datasourceUid === '__expr__') {
          const m = d.model;
          expect(['reduce', 'math', 'threshold', 'classic_conditions', 'resample']).toContain(m.type);
          const refs =
            m.type === 'math' ? [...m.expression.matchAll(/\$\{?([A-Za-z]\w*)\}?/g)].map((x) => x[1]) : [m.expression];
          refs.forEach((r: string) => expect(refIds.indexOf(r)).toBeGreaterThanOrEqual(0));
          refs.forEach((r: string) => expect(r).not.toBe(d.refId));
          if (m.type === 'reduce') {
            expect(['last', 'mean', 'min', 'max', 'sum', 'count']).toContain(m.reducer);
          }
          if (m.type === 'threshold') {
            expect(['gt', 'lt', 'within_range', 'outside_range']).toContain(m.conditions[0].evaluator.type);
          }
        } else {
          expect(datasourceUids).toContain(d.datasourceUid);
          expect(d.relativeTimeRange.from).toBeGreaterThan(d.relativeTimeRange.to);
          const { refId, ...model } = d.model;
          const q = parseQuery(refId, JSON.stringify(model));
          q.metrics?.forEach((m) => expect(OVERVIEW_METRICS).toContain(m));
        }
      }
    }
  );

  it('cover the templates: DLQ, oldest wait, failure ratio, stalled, no worker, no completions', () => {
    const metricsOf = (r: any) => r.data.flatMap((d: any) => d.model.metrics ?? []);
    const all = rules.map(({ rule }) => metricsOf(rule).join(','));
    expect(all).toEqual(
      expect.arrayContaining([
        'dead,failed',
        'oldest_wait_seconds',
        'failed,completed',
        'stalled',
        'wait,workers',
        'completed',
      ])
    );
  });
});
