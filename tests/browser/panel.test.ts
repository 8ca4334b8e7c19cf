/**
 * The flow panel in a real browser (Debian's Chromium through playwright-core), rendering
 * the real panel component with the real @grafana/ui on React 18, fed frames that the
 * packaged backend produced from real BullMQ queues in Redis:
 * - light and dark, at 300×200 and 1920×1080: no console errors, nothing outside the panel
 *   box, node labels inside their nodes, counts equal to the backend's values;
 * - clicking `failed` lists the failed job ids with links to the trace and to its logs in
 *   Explore, and the list's close button and alert-templates bell do not overlap;
 * - a list of 10,000 jobs renders only the rows in view, scrolls to its last job, keeps rows
 *   from overlapping when one expands, and moves the focus to the last job with End.
 * Screenshots go to artifacts/screenshots/.
 */
import * as bullmq from 'bullmq';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { startPlugin, type PluginProcess } from '../harness/plugin-process';
import { GrafanaClient, type DatasourceSettings } from '../harness/grpc-client';
import { decodeFrame, readNumeric, type DecodedFrame } from '../harness/grafana-frames';
import { makeBullmqState, type BullmqState } from '../support/bullmq-states';
import { bullConnection, deletePrefix, REDIS_URL, uniquePrefix, waitUntil } from '../support/redis';

const ROOT = path.resolve(__dirname, '../..');
const SHOTS = path.join(ROOT, 'artifacts/screenshots');
const CHROMIUM = process.env.JOBSCOPE_CHROMIUM || '/usr/bin/chromium';
const TRACING_UID = 'tempo-browser-test';
const LOGS_UID = 'loki-browser-test';
const MANY = 10_000;
const TRACE_IDS = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];

const SIZES: Array<[number, number]> = [
  [300, 200],
  [1920, 1080],
];
const THEMES = ['light', 'dark'] as const;

/** What each BullMQ node sums (the panel's contract, restated here rather than imported). */
const NODE_METRICS: Record<string, string[]> = {
  delayed: ['delayed'],
  wait: ['wait', 'prioritized'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

/** Arrow type of a decoded field → @grafana/data FieldType. */
function fieldType(arrowType: string): string {
  if (arrowType.startsWith('Timestamp')) {
    return 'time';
  }
  if (arrowType === 'Utf8') {
    return 'string';
  }
  if (arrowType === 'Bool') {
    return 'boolean';
  }
  return 'number';
}

/** A decoded Arrow frame as Grafana's data-frame JSON (what toDataFrame reads); times in ms. */
function frameJSON(f: DecodedFrame) {
  return {
    name: f.name,
    refId: f.refId,
    meta: f.meta,
    fields: f.fields.map((x) => {
      const type = fieldType(x.arrowType);
      const values = type === 'time' ? x.values.map((v) => (v === null ? null : Math.round(Number(v) / 1e6))) : x.values;
      return { name: x.name, type, labels: x.labels, config: x.config, values };
    }),
  };
}

/** A queue whose jobs fail carrying W3C traceparents in their data (as an OTel-instrumented producer sends). */
async function makeTracedFailures(prefix: string) {
  const connection = bullConnection();
  const payments = new bullmq.Queue('payments', { connection, prefix });
  const worker = new bullmq.Worker(
    'payments',
    async (job) => {
      throw new Error(`gateway timeout for payment ${job.data.payment}`);
    },
    { connection, prefix },
  );
  await worker.waitUntilReady();
  for (const [i, trace] of TRACE_IDS.entries()) {
    await payments.add('capture', { payment: 500 + i, traceparent: `00-${trace}-00f067aa0ba902b7-01`, card: 'x'.repeat(400) }, { attempts: 1 });
  }
  await waitUntil('2 failed payments', async () => (await payments.getJobCounts('failed')).failed === TRACE_IDS.length);
  await worker.close();
  return payments;
}

/**
 * The backend's jobs frame grown to MANY failed jobs: its own rows repeated with new ids, every
 * seventh with a long, multi-line error (rows of different heights).
 */
function manyJobs(frame: ReturnType<typeof frameJSON>) {
  const n = frame.fields[0].values.length;
  return {
    ...frame,
    fields: frame.fields.map((f) => ({
      ...f,
      values: Array.from({ length: MANY }, (_, i) => {
        const v = f.values[i % n];
        if (f.name === 'id') {
          return `bulk-${i}`;
        }
        if (f.name === 'error' && i % 7 === 0) {
          return `${String(v)}\n${Array.from({ length: 8 }, (_, k) => `    at frame${k} (worker.js:${i}:${k})`).join('\n')}`;
        }
        return v;
      }),
    })),
  };
}

function serve(dir: string, iconsDir: string): Promise<http.Server> {
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json', '.svg': 'image/svg+xml' };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const icon = url.pathname.startsWith('/public/build/img/icons/');
    const file = icon
      ? path.join(iconsDir, url.pathname.slice('/public/build/img/icons/'.length))
      : path.join(dir, url.pathname === '/' ? 'index.html' : url.pathname);
    const base = icon ? iconsDir : dir;
    if (!path.resolve(file).startsWith(base) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const prefix = uniquePrefix('browser');
let state: BullmqState | undefined;
let payments: bullmq.Queue | undefined;
let plugin: PluginProcess | undefined;
let grafana: GrafanaClient | undefined;
let server: http.Server | undefined;
let browser: BrowserContext | undefined;
let origin = '';
let values: ReturnType<typeof readNumeric> = [];
let failedRows: Array<{ id: string; queue: string; trace: string | null }> = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  state = await makeBullmqState(bullmq, prefix);
  payments = await makeTracedFailures(prefix);

  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  const ds: DatasourceSettings = {
    uid: `ds-${prefix}`,
    jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, tracingDatasourceUid: TRACING_UID },
  };
  const responses = await grafana.queryData(ds, [
    { refId: 'A', json: { queryType: 'overview' } },
    { refId: 'B', json: { queryType: 'jobs', state: 'failed', limit: 100 } },
  ]);
  expect(responses.A.error).toBeFalsy();
  expect(responses.B.error).toBeFalsy();
  const overview = responses.A.frames.map(decodeFrame);
  const jobs = responses.B.frames.map(decodeFrame);
  values = readNumeric(overview);
  const col = (name: string) => jobs[0].fields.find((f) => f.name === name)!.values;
  failedRows = col('id').map((id, i) => ({ id: String(id), queue: String(col('queue')[i]), trace: col('trace_id')[i] as string | null }));

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-browser-'));
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'page/main.tsx')],
    bundle: true,
    outfile: path.join(dir, 'page.js'),
    platform: 'browser',
    format: 'iife',
    target: 'es2020',
    minify: true,
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    loader: { '.svg': 'text', '.png': 'dataurl', '.woff': 'empty', '.woff2': 'empty', '.css': 'empty' },
    logLevel: 'error',
  });
  fs.writeFileSync(
    path.join(dir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>Jobscope flow panel</title><link rel="icon" href="data:,"></head><body><div id="root"></div>' +
      // Grafana's index page sets its boot data before any plugin code runs; @grafana/runtime reads it on import.
      '<script>window.grafanaBootData = { settings: { appSubUrl: "", featureToggles: {} }, user: { orgRole: "Admin" }, navTree: [] };</script>' +
      '<script src="/page.js"></script></body></html>',
  );
  fs.writeFileSync(path.join(dir, 'frames.json'), JSON.stringify([...overview, ...jobs].map(frameJSON)));
  fs.writeFileSync(path.join(dir, 'frames-many.json'), JSON.stringify([...overview.map(frameJSON), manyJobs(frameJSON(jobs[0]))]));
  server = await serve(dir, path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons'));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  browser = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  grafana?.close();
  plugin?.kill();
  await state?.release();
  await payments?.close();
  await deletePrefix(prefix);
});

/** Opens the page at one theme and size; returns it with the errors it logs. */
async function open(theme: string, width: number, height: number, queue = '', frames = 'frames.json') {
  const page = await browser!.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.setViewportSize({ width: width + 16, height: height + 16 });
  await page.goto(`${origin}/?theme=${theme}&w=${width}&h=${height}&queue=${encodeURIComponent(queue)}&frames=${frames}&ds=ds-${prefix}&logs=${LOGS_UID}`);
  await page.waitForSelector('[data-testid="jobscope-flow"]');
  await page.evaluate(() => document.fonts.ready);
  return { page, errors };
}

/** Elements of the panel that reach outside its box, and node texts that leave their node. */
function overflow(page: Page) {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid="panel-box"]')!.getBoundingClientRect();
    const out: string[] = [];
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''} "${(el.textContent ?? '').slice(0, 30)}"`;
    const panel = document.querySelector('[data-testid="panel-box"]')!;
    /** Inside a scrolling list: it cannot paint outside, and the list itself is checked. */
    const clipped = (el: Element) => {
      for (let a = el.parentElement; a && a !== panel; a = a.parentElement) {
        if (!(a instanceof HTMLElement)) {
          continue; // an <svg> clips too, but its nodes must fit on their own
        }
        const s = getComputedStyle(a);
        if (/auto|scroll/.test(s.overflowY) && s.overflowX !== 'visible') {
          return true;
        }
      }
      return false;
    };
    for (const el of Array.from(panel.querySelectorAll('*'))) {
      if (clipped(el)) {
        continue;
      }
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) {
        continue; // <title>, <defs>, markers
      }
      if (r.left < box.left - 0.5 || r.top < box.top - 0.5 || r.right > box.right + 0.5 || r.bottom > box.bottom + 0.5) {
        out.push(`${describe(el)} at ${JSON.stringify([r.left, r.top, r.right, r.bottom])} outside ${JSON.stringify([box.left, box.top, box.right, box.bottom])}`);
      }
    }
    for (const node of Array.from(document.querySelectorAll('[data-testid^="jobscope-flow-node-"]'))) {
      const rect = node.querySelector('rect')!.getBoundingClientRect();
      for (const text of Array.from(node.querySelectorAll(':scope > text')).filter((t) => !t.getAttribute('data-testid'))) {
        const r = text.getBoundingClientRect();
        if (r.left < rect.left || r.right > rect.right || r.top < rect.top || r.bottom > rect.bottom) {
          out.push(`${describe(text)} leaves its node ${node.getAttribute('data-testid')}`);
        }
      }
    }
    return out;
  });
}

const sum = (metrics: string[], queue?: string) => {
  const picked = values.filter((v) => metrics.includes(v.metric) && (!queue || v.labels.queue === queue));
  return picked.length ? String(picked.reduce((a, v) => a + v.value, 0)) : '';
};

describe.each(THEMES)('flow panel, %s theme', (theme) => {
  it.each(SIZES)('renders at %ix%i without errors or overflow, with the backend’s counts', async (width, height) => {
    const { page, errors } = await open(theme, width, height);
    try {
      for (const [node, metrics] of Object.entries(NODE_METRICS)) {
        const el = page.getByTestId(`jobscope-flow-node-${node}`);
        await expect(el.getAttribute('data-count')).resolves.toBe(sum(metrics));
        if (Number(sum(metrics)) < 1000) {
          await expect(el.locator('text').nth(1).textContent()).resolves.toBe(sum(metrics));
        }
      }
      // emails has waiting jobs and no worker
      await expect(page.getByTestId('jobscope-flow-note-wait').textContent()).resolves.toBe('no worker');
      expect(await overflow(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `flow-${theme}-${width}x${height}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.each(SIZES)('at %ix%i lists the failed jobs with trace links when `failed` is clicked', async (width, height) => {
    const { page, errors } = await open(theme, width, height);
    try {
      await page.getByTestId('jobscope-flow-node-failed').click();
      const list = page.getByTestId('jobscope-job-list');
      await list.waitFor();
      const ids = await list.getByTestId('jobscope-job').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
      // what the backend returned, and what BullMQ itself holds as failed
      expect(ids.sort()).toEqual(failedRows.map((r) => r.id).sort());
      const library = [...(await state!.queues.orders.getFailed()), ...(await payments!.getFailed())].map((j) => j.id);
      expect(ids.sort()).toEqual(library.sort());

      const links = list.getByRole('link', { name: 'Open trace' });
      await expect(links.count()).resolves.toBe(TRACE_IDS.length);
      const logs = list.getByRole('link', { name: /^Logs of trace/ });
      await expect(logs.count()).resolves.toBe(TRACE_IDS.length);
      for (let i = 0; i < TRACE_IDS.length; i++) {
        const href = (await links.nth(i).getAttribute('href'))!;
        const panes = JSON.parse(new URL(href, origin).searchParams.get('panes')!);
        expect(panes.trc.datasource).toBe(TRACING_UID);
        expect(TRACE_IDS).toContain(panes.trc.queries[0].query);
        await expect(links.nth(i).textContent()).resolves.toBe('Trace');
        // the logs of the same trace, in the Loki data source the Jobscope settings name
        const logPanes = JSON.parse(new URL((await logs.nth(i).getAttribute('href'))!, origin).searchParams.get('panes')!);
        expect(logPanes.log.datasource).toBe(LOGS_UID);
        expect(logPanes.log.queries[0].expr).toBe(`{service_name=~".+"} |= "${panes.trc.queries[0].query}"`);
      }
      // the close button and the alert-templates bell share the header without overlapping
      const close = (await list.getByRole('button', { name: 'Back to the flow' }).boundingBox())!;
      const bell = (await list.getByRole('button', { name: /^Alert rule templates/ }).boundingBox())!;
      const panel = (await page.getByTestId('panel-box').boundingBox())!;
      const intersect = (a: typeof close, b: typeof close) =>
        a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
      expect({ close, bell, intersect: intersect(close, bell) }).toMatchObject({ intersect: false });
      for (const box of [close, bell]) {
        expect(box.width).toBeGreaterThan(0);
        expect(intersect(box, panel)).toBe(true);
      }
      await expect(page.getByRole('button', { name: /^Alert rule templates/ }).count()).resolves.toBe(1);
      expect(await overflow(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `flow-${theme}-${width}x${height}-failed.png`) });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('a long job list', () => {
  it.each(SIZES)('at %ix%i renders only the rows in view and scrolls through 10,000 jobs', async (width, height) => {
    const { page, errors } = await open('dark', width, height, '', 'frames-many.json');
    try {
      await page.getByTestId('jobscope-flow-node-failed').click();
      const list = page.getByTestId('jobscope-job-list');
      await list.waitFor();
      await expect(list.locator('header').textContent()).resolves.toContain(`Failed · ${MANY}`);
      const rows = list.getByTestId('jobscope-job');
      const inDom = await rows.count();
      expect(inDom).toBeGreaterThan(0);
      expect(inDom).toBeLessThan(60);
      await expect(rows.first().getAttribute('aria-setsize')).resolves.toBe(String(MANY));

      /** Rendered rows top to bottom: each starts where the previous ends (no overlap, no gap). */
      const stacking = () =>
        rows.evaluateAll((els) =>
          els.slice(1).flatMap((el, i) => {
            const prev = els[i].getBoundingClientRect();
            const r = el.getBoundingClientRect();
            return Math.abs(r.top - prev.bottom) > 1 ? [`${el.getAttribute('data-job-id')} at ${r.top}, previous ends at ${prev.bottom}`] : [];
          })
        );
      expect(await stacking()).toEqual([]);

      // expand a row with a long error: it grows and the rows after it move down
      const long = list.locator('[data-job-id="bulk-0"]');
      const before = (await long.boundingBox())!.height;
      await long.getByRole('button', { name: 'Show all' }).click();
      await expect(long.getByRole('button', { name: 'Show less' }).getAttribute('aria-expanded')).resolves.toBe('true');
      await page.waitForFunction(() => true);
      expect((await long.boundingBox())!.height).toBeGreaterThan(before + 50);
      expect(await stacking()).toEqual([]);

      // scroll half way, then to the end, as a user drags the scroll bar
      const scroller = list.getByTestId('jobscope-job-scroller');
      await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight / 2));
      await list.locator(`[data-job-id="bulk-${MANY / 2}"]`).or(list.locator(`[data-job-id="bulk-${MANY / 2 + 1}"]`)).first().waitFor();
      await expect(list.locator('[data-job-id="bulk-0"]').count()).resolves.toBe(0);
      for (let i = 0; i < 5; i++) {
        await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        await page.waitForTimeout(50);
      }
      const last = list.locator(`[data-job-id="bulk-${MANY - 1}"]`);
      await last.waitFor();
      await expect(last.getAttribute('aria-posinset')).resolves.toBe(String(MANY));
      expect(await rows.count()).toBeLessThan(60);
      expect(await stacking()).toEqual([]);
      // the last job is fully visible at the bottom of the scroller
      const lastBox = (await last.boundingBox())!;
      const scrollerBox = (await scroller.boundingBox())!;
      expect(lastBox.y + lastBox.height).toBeLessThanOrEqual(scrollerBox.y + scrollerBox.height + 1);
      await page.screenshot({ path: path.join(SHOTS, `flow-dark-${width}x${height}-10000-jobs-end.png`) });

      // keyboard: Home focuses the first job, End the last, each rendered on the way
      await last.focus();
      await page.keyboard.press('Home');
      await expect(page.evaluate(() => document.activeElement?.getAttribute('data-job-id'))).resolves.toBe('bulk-0');
      await page.keyboard.press('ArrowDown');
      await expect(page.evaluate(() => document.activeElement?.getAttribute('data-job-id'))).resolves.toBe('bulk-1');
      await page.keyboard.press('End');
      await expect(page.evaluate(() => document.activeElement?.getAttribute('data-job-id'))).resolves.toBe(`bulk-${MANY - 1}`);

      expect(await overflow(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
