/**
 * The query, variable and config editors in a real browser (Debian's Chromium through
 * playwright-core), rendering the real components with the real @grafana/ui on React 18 in
 * Grafana's dark and light themes, in panes of 300×200 (a narrow query row or split Explore;
 * the variable editor, on a settings page, at 300×600), 708×300 (half a screen) and 1440×900:
 * - no text leaves its box or the pane, no text or control overlaps another, no console error;
 * - every catalogued system of each kind is offered and selectable, and for each system every
 *   catalogued job state; each system's metrics are its catalogued ones;
 * - every control is reached with Tab, in reading order;
 * - alert rules are offered only the numeric query types; each kind's settings show only its own.
 * The page carries Grafana's global styles, which load Inter from /public/fonts/inter/ as Grafana
 * serves it; the test serves it from @fontsource/inter when that is installed. It is not on
 * this machine yet, so the text is then measured in Grafana's fallback fonts (Helvetica, Arial:
 * DejaVu Sans here, wider than Inter, so a layout that fits here fits with Inter).
 * Screenshots go to artifacts/screenshots/editors-*.png.
 */
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';

import { METRIC_DEFINITIONS, systemsOfKind } from '../../pkg/model/catalogue';
import { DATASOURCE_KINDS, type DatasourceKind, type OverviewMetric } from '../../pkg/model/query';
import { buildPage, launch, ROOT, SHOTS } from './support';

// Each test opens many pages on a shared 2-core machine.
jest.setTimeout(300_000);

const THEMES = ['dark', 'light'] as const;
const PANES: Array<[number, number]> = [
  [300, 200],
  [708, 300],
  [1440, 900],
];

/** Queues the stand-in data source reports through its `queues` resource. */
const FOUND = [
  { system: 'bullmq', queue: 'emails' },
  { system: 'bullmq', queue: 'orders' },
  { system: 'sidekiq', queue: 'default' },
];

/** Inter as Grafana serves it (/public/fonts/inter/…), from @fontsource/inter when installed. */
const FONTSOURCE = path.join(ROOT, 'node_modules/@fontsource/inter/files');
const INTER_FILES: Record<string, string> = {
  'Inter-Regular.woff2': 'inter-latin-400-normal.woff2',
  'Inter-Medium.woff2': 'inter-latin-500-normal.woff2',
};
const HAS_INTER = fs.existsSync(FONTSOURCE);

/**
 * Requests a page here may fail without a defect of ours: Inter while it is not installed, and
 * the loading spinner, which Grafana serves from its own build (not part of @grafana/ui's icons).
 */
const EXPECTED_MISSING = [...(HAS_INTER ? [] : [/\/public\/fonts\/inter\//]), /\/unicons\/spinner\.svg$/];

function serve(dir: string, iconsDir: string): Promise<http.Server> {
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.svg': 'image/svg+xml',
    '.woff2': 'font/woff2',
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const icon = url.pathname.startsWith('/public/build/img/icons/');
    const font = url.pathname.startsWith('/public/fonts/inter/');
    const base = icon ? iconsDir : font ? FONTSOURCE : dir;
    const file = icon
      ? path.join(iconsDir, url.pathname.slice('/public/build/img/icons/'.length))
      : font
        ? path.join(FONTSOURCE, INTER_FILES[path.basename(url.pathname)] ?? 'missing')
        : path.join(dir, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!path.resolve(file).startsWith(base) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

let server: http.Server | undefined;
let browser: BrowserContext | undefined;
let origin = '';

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const dir = await buildPage('page/editors.tsx', 'Jobscope editors');
  server = await serve(dir, path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons'));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

interface Open {
  editor: 'query' | 'variable' | 'config';
  kind?: DatasourceKind;
  theme?: string;
  w?: number;
  h?: number;
  query?: object;
  app?: string;
}

/** Opens the page with one editor; returns it with the errors it logs. */
async function open({ editor, kind, theme = 'dark', w = 708, h = 300, query = {}, app }: Open) {
  const page = await browser!.newPage();
  const errors: string[] = [];
  const expected = (url: string) => EXPECTED_MISSING.some((re) => re.test(url));
  page.on('console', (m) => m.type() === 'error' && !expected(m.location().url) && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => r.status() >= 400 && !expected(r.url()) && errors.push(`${r.status()} ${r.url()}`));
  await page.setViewportSize({ width: w + 16, height: h + 16 });
  const search = new URLSearchParams({
    editor,
    theme,
    w: String(w),
    h: String(h),
    query: JSON.stringify(query),
    queues: JSON.stringify(FOUND),
    ...(kind ? { kind } : {}),
    ...(app ? { app } : {}),
  });
  await page.goto(`${origin}/?${search}`);
  await page.waitForSelector('[data-testid="pane"] input');
  await page.evaluate(() => document.fonts.ready);
  return { page, errors };
}

/**
 * What is wrong with the layout: text that leaves its element's box or the pane, a pane that
 * scrolls sideways, text or controls that overlap another field's. Open menus (portals) are
 * checked against the window.
 */
function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const pane = document.querySelector('[data-testid="pane"]') as HTMLElement;
    const out: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.getAttribute('aria-label') ? `[${el.getAttribute('aria-label')}]` : ''} "${(el.textContent ?? '').trim().slice(0, 30)}"`;
    const paneBox = pane.getBoundingClientRect();
    if (pane.scrollWidth > pane.clientWidth + 1) {
      // name the outermost elements that reach past the pane's right edge
      const past = Array.from(pane.querySelectorAll('*')).filter(
        (el) => el.getBoundingClientRect().right > paneBox.left + pane.clientWidth + 1
      );
      const outermost = past.filter((el) => !past.some((p) => p !== el && p.contains(el)));
      out.push(
        `the pane scrolls sideways: ${pane.scrollWidth} > ${pane.clientWidth} (${outermost.map(name).join('; ')})`
      );
    }
    const visible = (el: Element) => {
      const s = getComputedStyle(el);
      return s.visibility !== 'hidden' && s.display !== 'none' && Number(s.opacity) > 0;
    };
    /** Text for screen readers only (react-select's live region): clipped to 1 px, never painted. */
    const screenReaderOnly = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        const r = e.getBoundingClientRect();
        if (
          (s.clip !== 'auto' && s.clip !== '') ||
          s.clipPath.startsWith('inset(50%') ||
          (r.width <= 1 && r.height <= 1)
        ) {
          return true;
        }
      }
      return false;
    };
    /** An open select menu floats over the editor by design: it is checked on its own. */
    const menu = (el: Element) => el.closest('[aria-label="Select options menu"]');
    type Item = { el: Element; r: DOMRect; what: string };
    const items: Item[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement!;
      if (!n.textContent?.trim() || !visible(el) || el.closest('script,style,title') || screenReaderOnly(el)) {
        continue;
      }
      const range = document.createRange();
      range.selectNodeContents(n);
      const box = el.getBoundingClientRect();
      for (const r of Array.from(range.getClientRects())) {
        if (r.width === 0) {
          continue;
        }
        if (r.left < box.left - 1 || r.right > box.right + 1) {
          out.push(
            `text ${name(el)} [${Math.round(r.left)}–${Math.round(r.right)}] leaves its box [${Math.round(box.left)}–${Math.round(box.right)}]`
          );
        }
        // (a label of fixed height whose text wraps spills out below and above)
        if (r.top < box.top - 2 || r.bottom > box.bottom + 2) {
          out.push(
            `text ${name(el)} [${Math.round(r.top)}↕${Math.round(r.bottom)}] spills out of its box [${Math.round(box.top)}↕${Math.round(box.bottom)}]`
          );
        }
        const inPane = pane.contains(el);
        const limit = inPane ? paneBox : new DOMRect(0, 0, window.innerWidth, window.innerHeight);
        if (r.left < limit.left - 1 || r.right > limit.right + 1) {
          out.push(`text ${name(el)} leaves the ${inPane ? 'pane' : 'window'}`);
        }
        items.push({ el, r, what: 'text' });
      }
    }
    for (const el of Array.from(document.querySelectorAll('input, textarea, button'))) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && visible(el) && (el as HTMLInputElement).type !== 'radio') {
        items.push({ el, r, what: 'control' });
      }
    }
    // Parts of one control may overlap (a select's input over its value, an input's suffix,
    // the show-secret eye inside a secret text area).
    const control = (el: Element) => {
      if (el.matches('button[aria-label$="secret content"]')) {
        return el.parentElement!;
      }
      return (
        el.closest(
          '[class*="grafana-select-value-container"], [class*="input-wrapper"], [class*="-wrapper"], button, label'
        ) ?? el
      );
    };
    const overlap = (a: DOMRect, b: DOMRect) =>
      Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 &&
      Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i];
        const b = items[j];
        if (Boolean(menu(a.el)) !== Boolean(menu(b.el))) {
          continue;
        }
        if (a.el.contains(b.el) || b.el.contains(a.el) || control(a.el) === control(b.el)) {
          continue;
        }
        if (control(a.el).contains(b.el) || control(b.el).contains(a.el)) {
          continue;
        }
        if (overlap(a.r, b.r)) {
          out.push(`${a.what} ${name(a.el)} overlaps ${b.what} ${name(b.el)}`);
        }
      }
    }
    return Array.from(new Set(out));
  });
}

/** The option labels of the open select menu (each option's first line). */
function menuOptions(page: Page) {
  return page
    .getByLabel('Select options menu')
    .getByRole('option')
    .evaluateAll((els) => els.map((e) => (e.querySelector('span') ?? e).textContent ?? ''));
}

/** The descriptions of the open select menu's options. */
function menuDescriptions(page: Page) {
  return page
    .getByLabel('Select options menu')
    .locator('[class*="grafana-select-option-description"]')
    .evaluateAll((els) => els.map((e) => e.textContent ?? ''));
}

async function openSelect(page: Page, label: string) {
  await page.getByLabel(label, { exact: true }).click();
  await page.getByLabel('Select options menu').waitFor();
}

async function pickOption(page: Page, label: string) {
  const options = page.getByLabel('Select options menu').getByRole('option');
  const index = (await menuOptions(page)).indexOf(label);
  expect({ label, index: index >= 0 }).toEqual({ label, index: true });
  await options.nth(index).click();
}

/** What the test page keeps of the editor's last report (tests/browser/page/editors.tsx). */
type Reported = { jobscope: { query?: Record<string, unknown>; options?: { jsonData: Record<string, unknown> } } };

const stateOf = (page: Page) => page.evaluate(() => (window as unknown as Reported).jobscope.query ?? {});

/**
 * Presses Tab from the top of the page until the focus leaves the page or comes back, and lists
 * the form fields it reached, by label, in order. Tooltip icons and a select's clear button are
 * in the tab order too (Grafana makes them reachable); they are passed, not listed.
 */
async function tabOrder(page: Page, fields: number) {
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
    document.querySelectorAll('[data-tab-visit]').forEach((e) => e.removeAttribute('data-tab-visit'));
  });
  const seen: string[] = [];
  const visited = new Set<string>();
  for (let i = 0; i < fields * 4 + 8; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) {
        return null;
      }
      // marked on the element itself: icons share ids (their SVGs are all "Layer_1")
      const key = el.getAttribute('data-tab-visit') ?? String(document.querySelectorAll('[data-tab-visit]').length);
      el.setAttribute('data-tab-visit', key);
      const field = el.matches('input, textarea, select');
      const byFor = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : undefined;
      const radio = (el as HTMLInputElement).type === 'radio' ? `radio:${byFor ?? ''}` : undefined;
      return { key, field, label: (radio ?? el.getAttribute('aria-label') ?? byFor ?? el.id).trim() };
    });
    if (!focused || visited.has(focused.key)) {
      break;
    }
    visited.add(focused.key);
    if (focused.field) {
      seen.push(focused.label);
    }
  }
  return seen;
}

describe.each(THEMES)('query editor, %s theme', (theme) => {
  const kinds: DatasourceKind[] = ['redis', 'postgres', 'kafka'];
  it.each(PANES)('at %ix%i: every query type lays out without overflow or overlap', async (w, h) => {
    for (const kind of kinds) {
      const system = systemsOfKind(kind)[0].id;
      for (const queryType of ['overview', 'timeseries', 'failures', 'jobs', 'workers', 'queues']) {
        const { page, errors } = await open({
          editor: 'query',
          kind,
          theme,
          w,
          h,
          query: {
            queryType,
            system,
            queues: ['orders', '$queue'],
            search: 'timeout',
            limit: 50,
            metrics: queryType === 'overview' ? ['wait', 'oldest_wait_seconds'] : undefined,
          },
        });
        try {
          if (kind === 'redis' && (queryType === 'jobs' || queryType === 'overview')) {
            await page.screenshot({ path: path.join(SHOTS, `editors-query-${queryType}-${theme}-${w}x${h}.png`) });
          }
          expect({ kind, queryType, problems: await layoutProblems(page) }).toEqual({ kind, queryType, problems: [] });
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      }
    }
  });

  it.each(PANES)('at %ix%i: the Type, System, Metrics and State menus fit', async (w, h) => {
    const { page, errors } = await open({
      editor: 'query',
      kind: 'postgres',
      theme,
      w,
      h,
      query: { queryType: 'jobs', system: 'pg-boss' },
    });
    try {
      for (const label of ['Query type', 'System', 'State']) {
        await openSelect(page, label);
        expect({ label, problems: await layoutProblems(page) }).toEqual({ label, problems: [] });
        await page.screenshot({
          path: path.join(SHOTS, `editors-query-menu-${label.replace(' ', '-').toLowerCase()}-${theme}-${w}x${h}.png`),
        });
        await page.keyboard.press('Escape');
      }
      await openSelect(page, 'Query type');
      await pickOption(page, 'Overview');
      await openSelect(page, 'Metrics');
      expect({ label: 'Metrics', problems: await layoutProblems(page) }).toEqual({ label: 'Metrics', problems: [] });
      await page.screenshot({ path: path.join(SHOTS, `editors-query-menu-metrics-${theme}-${w}x${h}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('query editor, what it offers', () => {
  it.each(DATASOURCE_KINDS)(
    'a %s data source offers each catalogued system, each system its job states, all selectable',
    async (kind) => {
      const { page, errors } = await open({ editor: 'query', kind, query: { queryType: 'jobs' } });
      try {
        const systems = systemsOfKind(kind);
        if (systems.length > 1) {
          await openSelect(page, 'System');
          expect(await menuOptions(page)).toEqual(systems.map((d) => d.name));
          await page.keyboard.press('Escape');
        } else {
          // a kind with one system asks for none
          await expect(page.getByLabel('System', { exact: true }).count()).resolves.toBe(0);
        }
        for (const d of systems) {
          if (systems.length > 1) {
            await openSelect(page, 'System');
            await pickOption(page, d.name);
            expect(await stateOf(page)).toMatchObject({ system: d.id });
          }
          await openSelect(page, 'State');
          const labels = await menuOptions(page);
          expect({ system: d.id, states: labels.map((l) => l.toLowerCase()) }).toEqual({
            system: d.id,
            states: d.jobStates,
          });
          await page.keyboard.press('Escape');
          for (const state of d.jobStates) {
            await openSelect(page, 'State');
            await pickOption(page, labels[d.jobStates.indexOf(state)]);
            expect(await stateOf(page)).toMatchObject({ state });
          }
        }
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    }
  );

  it('each system offers its catalogued metrics with their meaning there', async () => {
    for (const kind of DATASOURCE_KINDS) {
      for (const d of systemsOfKind(kind)) {
        const { page } = await open({ editor: 'query', kind, query: { queryType: 'overview', system: d.id } });
        try {
          await openSelect(page, 'Metrics');
          const metrics = (Object.keys(METRIC_DEFINITIONS) as OverviewMetric[]).filter((m) => m in d.metrics);
          expect({ system: d.id, metrics: await menuOptions(page) }).toEqual({
            system: d.id,
            metrics: metrics.map((m) => METRIC_DEFINITIONS[m].label),
          });
          expect(await menuDescriptions(page)).toEqual(metrics.map((m) => d.metrics[m]));
        } finally {
          await page.close();
        }
      }
    }
  });

  it('suggests the queues the data source found and dashboard variables', async () => {
    const { page } = await open({ editor: 'query', kind: 'redis', query: { system: 'bullmq' } });
    try {
      await openSelect(page, 'Queues');
      expect(await menuOptions(page)).toEqual(['emails', 'orders', '$queue', '$system']);
      await pickOption(page, 'orders');
      expect(await stateOf(page)).toMatchObject({ queues: ['orders'] });
    } finally {
      await page.close();
    }
  });

  it('offers an alert rule only the query types that answer numbers, Explore all of them', async () => {
    for (const [app, types] of [
      ['unified-alerting', ['Overview', 'Time series']],
      ['explore', ['Overview', 'Time series', 'Failures', 'Jobs', 'Workers', 'Queues']],
    ] as const) {
      const { page } = await open({ editor: 'query', kind: 'redis', app });
      try {
        await openSelect(page, 'Query type');
        expect({ app, types: await menuOptions(page) }).toEqual({ app, types });
      } finally {
        await page.close();
      }
    }
  });

  it('reaches every control with Tab, in reading order', async () => {
    const { page } = await open({ editor: 'query', kind: 'redis', query: { queryType: 'jobs', system: 'sidekiq' } });
    try {
      expect(await tabOrder(page, 6)).toEqual(['Query type', 'System', 'Queues', 'State', 'Search', 'Limit']);
    } finally {
      await page.close();
    }
    const overview = await open({ editor: 'query', kind: 'redis', query: { queryType: 'overview' } });
    try {
      expect(await tabOrder(overview.page, 4)).toEqual(['Query type', 'System', 'Queues', 'Metrics']);
    } finally {
      await overview.page.close();
    }
  });
});

/**
 * The variable editor sits on a dashboard's settings page, never in a 200 px high window (where
 * any select's menu of seven systems runs off the screen): narrow, but as tall as a page.
 */
const VARIABLE_PANES: Array<[number, number]> = [
  [300, 600],
  [708, 300],
  [1440, 900],
];

describe.each(THEMES)('variable editor, %s theme', (theme) => {
  it.each(VARIABLE_PANES)(
    'at %ix%i lays out without overflow, offers the kind’s systems, reachable by Tab',
    async (w, h) => {
      for (const kind of DATASOURCE_KINDS) {
        const { page, errors } = await open({ editor: 'variable', kind, theme, w, h, query: { what: 'queues' } });
        try {
          expect({ kind, problems: await layoutProblems(page) }).toEqual({ kind, problems: [] });
          const systems = systemsOfKind(kind);
          if (systems.length === 1) {
            // a kind with one system has nothing to filter by
            await expect(page.getByLabel('System filter').count()).resolves.toBe(0);
            expect(await tabOrder(page, 6)).toEqual(['radio:Queues']);
          } else {
            await openSelect(page, 'System filter');
            expect(await menuOptions(page)).toEqual(systems.map((d) => d.name));
            expect({ kind, problems: await layoutProblems(page) }).toEqual({ kind, problems: [] });
            if (kind === 'postgres') {
              await page.screenshot({ path: path.join(SHOTS, `editors-variable-${theme}-${w}x${h}.png`) });
            }
            await pickOption(page, systems.at(-1)!.name);
            expect(await stateOf(page)).toMatchObject({ what: 'queues', system: systems.at(-1)!.id });
            expect(await tabOrder(page, 8)).toEqual(['radio:Queues', 'System filter']);
          }
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      }
    }
  );
});

/** The config editor's fields per kind, by element id: what each kind shows and nothing else. */
const CONFIG_FIELDS: Record<DatasourceKind, string[]> = {
  redis: [
    'url',
    'redis-mode',
    'bull-prefix',
    'sidekiq-namespace',
    'rq-prefix',
    'celery-visibility',
    'username',
    'password',
    'tls-skip-verify',
    'tls-ca',
    'tls-client-cert',
    'tls-client-key',
    'discovery-pattern',
    'payload-limit',
    'stream-interval',
    'timeout',
  ],
  rabbitmq: [
    'management-url',
    'url',
    'vhost',
    'allow-peek',
    'username',
    'password',
    'tls-skip-verify',
    'tls-ca',
    'tls-client-cert',
    'tls-client-key',
    'payload-limit',
    'stream-interval',
    'timeout',
  ],
  postgres: [
    'url',
    'schemas',
    'max-exact-rows',
    'username',
    'password',
    'tls',
    'tls-skip-verify',
    'tls-ca',
    'tls-client-cert',
    'tls-client-key',
    'discovery-pattern',
    'payload-limit',
    'stream-interval',
    'timeout',
  ],
  nats: [
    'url',
    'advisory-stream',
    'username',
    'password',
    'tls',
    'tls-skip-verify',
    'tls-ca',
    'tls-client-cert',
    'tls-client-key',
    'payload-limit',
    'stream-interval',
    'timeout',
  ],
  kafka: [
    'url',
    'dlq-topics',
    'username',
    'password',
    'tls',
    'tls-skip-verify',
    'tls-ca',
    'tls-client-cert',
    'tls-client-key',
    'payload-limit',
    'stream-interval',
    'timeout',
  ],
};

describe.each(THEMES)('config editor, %s theme', (theme) => {
  it.each([
    [708, 300],
    [1440, 900],
  ])(
    'at %ix%i: each kind shows its own fields without overflow or overlap, the Kind select shows its name whole',
    async (w, h) => {
      for (const kind of DATASOURCE_KINDS) {
        const query = kind === 'redis' ? { redisMode: 'sentinel' } : {};
        const { page, errors } = await open({ editor: 'config', kind, theme, w, h, query });
        try {
          const ids = await page
            .locator('[data-testid="pane"] [id^="jobscope-config-"]')
            .evaluateAll((els) => els.map((e) => e.id.replace('jobscope-config-', '')));
          const expected = CONFIG_FIELDS[kind].filter((id) => id !== 'redis-mode');
          expect({
            kind,
            fields: ids
              .filter((id) => !['kind', 'tracing', 'logs', 'redis-nodes', 'sentinel-master'].includes(id))
              .sort(),
          }).toEqual({ kind, fields: expected.sort() });
          expect({ kind, problems: await layoutProblems(page) }).toEqual({ kind, problems: [] });
          // the closed Kind select shows the kind's whole name
          const shown = await page.locator('#jobscope-config-kind').evaluate((input) => {
            const container = input.closest('[class*="grafana-select-value-container"]')!;
            const value =
              container.querySelector('[class*="singleValue"], [class*="single-value"]') ??
              container.firstElementChild!;
            return { text: value.textContent, clipped: value.scrollWidth > value.clientWidth + 1 };
          });
          expect(shown).toEqual({
            text: {
              redis: 'Redis',
              rabbitmq: 'RabbitMQ',
              postgres: 'PostgreSQL',
              nats: 'NATS JetStream',
              kafka: 'Kafka',
            }[kind],
            clipped: false,
          });
          await page.setViewportSize({ width: w + 16, height: 2400 });
          await page.locator('[data-testid="pane"]').evaluate((el) => ((el as HTMLElement).style.height = 'auto'));
          await page
            .getByTestId('pane')
            .screenshot({ path: path.join(SHOTS, `editors-config-${kind}-${theme}-${w}x${h}.png`) });
          expect(errors).toEqual([]);
        } finally {
          await page.close();
        }
      }
    }
  );
});

describe('config editor, keyboard and kinds', () => {
  it('lists every kind with its catalogued systems, and the menu fits', async () => {
    const { page } = await open({ editor: 'config', kind: 'redis', w: 708, h: 600 });
    try {
      await openSelect(page, 'Kind');
      expect(await menuOptions(page)).toEqual(['Redis', 'RabbitMQ', 'PostgreSQL', 'NATS JetStream', 'Kafka']);
      const descriptions = await menuDescriptions(page);
      expect(descriptions).toEqual(
        expect.arrayContaining([
          systemsOfKind('redis')
            .map((d) => d.name)
            .join(', '),
          systemsOfKind('postgres')
            .map((d) => d.name)
            .join(', '),
        ])
      );
      expect(await layoutProblems(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, 'editors-config-kind-menu-dark-708x600.png') });
      await pickOption(page, 'Kafka');
      expect(await page.evaluate(() => (window as unknown as Reported).jobscope.options?.jsonData.kind)).toBe('kafka');
    } finally {
      await page.close();
    }
  });

  it.each(DATASOURCE_KINDS)('reaches every %s setting with Tab, in reading order', async (kind) => {
    const { page } = await open({
      editor: 'config',
      kind,
      w: 1440,
      h: 900,
      query: kind === 'redis' ? { redisMode: 'sentinel' } : {},
    });
    try {
      // the fields in reading order (a radio group is one stop: its checked radio)
      const fields = await page.evaluate(() =>
        Array.from(
          document.querySelectorAll<HTMLInputElement>('[data-testid="pane"] input, [data-testid="pane"] textarea')
        )
          .filter(
            (el) =>
              !el.disabled &&
              el.tabIndex >= 0 &&
              (el.type !== 'radio' || el.checked) &&
              el.getBoundingClientRect().width > 0
          )
          .map((el) => {
            const byFor = el.id ? document.querySelector(`label[for="${CSS.escape(el.id)}"]`)?.textContent : undefined;
            return (
              el.type === 'radio' ? `radio:${byFor ?? ''}` : (el.getAttribute('aria-label') ?? byFor ?? el.id)
            ).trim();
          })
      );
      expect(fields.length).toBeGreaterThan(8);
      expect(await tabOrder(page, fields.length)).toEqual(fields);
    } finally {
      await page.close();
    }
  });
});
