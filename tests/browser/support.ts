/**
 * What the browser tests share: the page bundles (page/main.tsx, the flow panel, and
 * page/editors.tsx, with the real @grafana/ui), a static server that serves Grafana's public
 * files (icons, Inter) as Grafana does and answers the page's data source queries (/query),
 * Debian's Chromium through playwright-core, and the checks on what the page draws.
 */
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { decodeFrame, type DecodedFrame } from '../harness/grafana-frames';
import type { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import type { Frame } from '../../pkg/frames/frame';

export const ROOT = path.resolve(__dirname, '../..');
export const SHOTS = path.join(ROOT, 'artifacts/screenshots');
const CHROMIUM = process.env.JOBSCOPE_CHROMIUM || '/usr/bin/chromium';

/**
 * Inter as Grafana serves it (public/fonts/inter/, Grafana's file names, which its global
 * styles' @font-face rules load), from @fontsource/inter: the same typeface, its latin subset
 * (the panel's and editors' text is latin).
 */
const INTER_DIR = path.join(ROOT, 'node_modules/@fontsource/inter/files');
const INTER_FILES: Record<string, string> = {
  'Inter-Regular.woff2': 'inter-latin-400-normal.woff2',
  'Inter-Medium.woff2': 'inter-latin-500-normal.woff2',
  'Inter-Italic.woff2': 'inter-latin-400-italic.woff2',
  'Inter-MediumItalic.woff2': 'inter-latin-500-italic.woff2',
};
/**
 * Roboto Mono, Grafana's monospace font (job ids, payloads), from @fontsource/roboto-mono:
 * Grafana serves one latin file under public/fonts/roboto/ for its 400 and 500 faces; the
 * regular latin face stands in for it (a monospace font's advance is the same in every weight).
 */
const ROBOTO_MONO = path.join(ROOT, 'node_modules/@fontsource/roboto-mono/files/roboto-mono-latin-400-normal.woff2');
const ICONS_DIR = path.join(ROOT, 'node_modules/@grafana/ui/dist/public/img/icons');

/**
 * Requests a page may see fail without a defect of ours: the loading spinner, which Grafana
 * serves from its own build (not part of @grafana/ui's icons).
 */
const NOT_SERVED = [/\/unicons\/spinner\.svg$/];
export const notServed = (url: string) => NOT_SERVED.some((re) => re.test(url));

/** The file behind a path under Grafana's /public/ (its icons and Inter); undefined for other paths. */
function publicFile(pathname: string): { file: string; base: string } | undefined {
  if (pathname.startsWith('/public/build/img/icons/')) {
    return { file: path.join(ICONS_DIR, pathname.slice('/public/build/img/icons/'.length)), base: ICONS_DIR };
  }
  if (pathname.startsWith('/public/fonts/inter/')) {
    return { file: path.join(INTER_DIR, INTER_FILES[path.basename(pathname)] ?? 'missing'), base: INTER_DIR };
  }
  if (pathname.startsWith('/public/fonts/roboto/') && pathname.endsWith('.woff2')) {
    return { file: ROBOTO_MONO, base: path.dirname(ROBOTO_MONO) };
  }
  return undefined;
}

/**
 * The status of each upright Inter face the page's styles declare, by weight ("loaded" once
 * text in it was drawn, "error" when its file failed), after the page's fonts settled. A page
 * without Grafana's global styles declares none.
 */
export function interFaces(page: Page): Promise<Record<string, string>> {
  return page.evaluate(async () => {
    await document.fonts.ready;
    const out: Record<string, string> = {};
    document.fonts.forEach((f) => {
      if (f.family.replace(/["']/g, '') === 'Inter' && f.style === 'normal') {
        out[f.weight] = f.status;
      }
    });
    return out;
  });
}

/** Each drawn state of the flow panel as [state id, the count it shows (data-count)]. */
export function drawnCounts(page: Page): Promise<Array<[string, string | null]>> {
  return page
    .locator('[data-testid^="jobscope-flow-node-"]')
    .evaluateAll((els) =>
      els.map((e) => [e.getAttribute('data-testid')!.replace('jobscope-flow-node-', ''), e.getAttribute('data-count')])
    );
}

/** Both weights Grafana's theme draws with (regular and medium), loaded. */
export const INTER_LOADED = { 400: 'loaded', 500: 'loaded' };

export type FrameJSON = {
  name?: string;
  refId?: string;
  meta?: unknown;
  fields: Array<{ name: string; type: string; labels?: unknown; config?: unknown; values: unknown[] }>;
};

/** Arrow type of a decoded field → @grafana/data FieldType. */
function arrowFieldType(arrowType: string): string {
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

/** A frame the packaged backend sent (decoded from Arrow) as Grafana's data-frame JSON; times in epoch ms. */
export function decodedFrameJSON(f: DecodedFrame): FrameJSON {
  return {
    name: f.name,
    refId: f.refId,
    meta: f.meta,
    fields: f.fields.map((x) => {
      const type = arrowFieldType(x.arrowType);
      // apache-arrow reads Timestamp(NANOSECOND) values as epoch milliseconds already
      return { name: x.name, type, labels: x.labels, config: x.config, values: x.values };
    }),
  };
}

/** A frame of the backend's frame code (pkg/frames, before Arrow encoding) as data-frame JSON. */
export function backendFrameJSON(f: Frame): FrameJSON {
  return {
    name: f.name,
    refId: f.refId,
    meta: f.meta,
    fields: f.fields.map((x) => ({
      name: x.name,
      type: x.type === 'int64' ? 'number' : x.type,
      labels: x.labels,
      config: x.config,
      values: x.values.map((v) => (v === undefined ? null : v)),
    })),
  };
}

export interface QueryBody {
  targets: Array<
    Record<string, unknown> & { refId: string; state?: string; queryType?: string; queues?: string[]; system?: string }
  >;
}
export type QueryHandler = (body: QueryBody) => Promise<{ frames: FrameJSON[]; errors?: Array<{ message: string }> }>;

/**
 * Answers the page's query from the packaged executable, as Grafana's /api/ds/query would:
 * each target as a query of the data source `ds`, the frames decoded from Arrow.
 */
export async function askExecutable(
  grafana: GrafanaClient,
  ds: DatasourceSettings,
  body: QueryBody
): Promise<{ frames: FrameJSON[]; errors: Array<{ message: string }> }> {
  const responses = await grafana.queryData(
    ds,
    body.targets.map((t) => ({ refId: t.refId, json: t }))
  );
  return {
    frames: Object.values(responses).flatMap((r) => r.frames.map(decodeFrame).map(decodedFrameJSON)),
    errors: Object.values(responses)
      .filter((r) => r.error)
      .map((r) => ({ message: String(r.error) })),
  };
}

/** Bundles a test page (page/main.tsx: the flow panel) into a fresh directory; returns it. */
export async function buildPage(entry = 'page/main.tsx', title = 'Jobscope flow panel'): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-browser-'));
  await esbuild.build({
    entryPoints: [path.join(__dirname, entry)],
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
    `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,"></head><body><div id="root"></div>` +
      // Grafana's index page sets its boot data before any plugin code runs; @grafana/runtime reads it on import.
      '<script>window.grafanaBootData = { settings: { appSubUrl: "", featureToggles: {} }, user: { orgRole: "Admin" }, navTree: [] };</script>' +
      '<script src="/page.js"></script></body></html>'
  );
  return dir;
}

/**
 * Serves the page directory, Grafana's public files (icons, Inter, Roboto Mono), and POST
 * /query through `onQuery`. Without the fonts installed it refuses: the text would be
 * measured in a fallback.
 */
export function serve(dir: string, onQuery?: QueryHandler): Promise<{ server: http.Server; origin: string }> {
  for (const font of [path.join(INTER_DIR, INTER_FILES['Inter-Regular.woff2']), ROBOTO_MONO]) {
    if (!fs.existsSync(font)) {
      throw new Error(`${font} is not installed: the pages would draw Grafana's text in a fallback font`);
    }
  }
  const types: Record<string, string> = {
    '.html': 'text/html',
    '.js': 'text/javascript',
    '.json': 'application/json',
    '.svg': 'image/svg+xml',
    '.woff2': 'font/woff2',
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (onQuery && url.pathname === '/query' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        onQuery(JSON.parse(body) as QueryBody).then(
          (out) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out)),
          (e) => res.writeHead(500).end(String(e))
        );
      });
      return;
    }
    const { file, base } = publicFile(url.pathname) ?? {
      file: path.join(dir, url.pathname === '/' ? 'index.html' : url.pathname),
      base: dir,
    };
    if (!path.resolve(file).startsWith(base) || !fs.existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })
    )
  );
}

export function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * Opens the page; returns it with the errors it logs and its Inter faces once its fonts
 * settled (see interFaces). `ready` is the selector to wait for.
 */
export async function openPage(
  browser: BrowserContext,
  url: string,
  width: number,
  height: number,
  ready = '[data-testid="jobscope-flow"]'
) {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !notServed(m.location().url) && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => !notServed(r.url()) && errors.push(`request failed: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && !notServed(r.url()) && errors.push(`${r.status()} ${r.url()}`));
  await page.setViewportSize({ width: width + 16, height: height + 16 });
  await page.goto(url);
  await page.waitForSelector(ready);
  return { page, errors, fonts: await interFaces(page) };
}

/**
 * What the page draws wrong: elements reaching outside the panel box, node texts leaving
 * their node, overlaps between the things a user reads or clicks (nodes, the headline, the
 * bell, notes under nodes, rates on edges), arrows passing through (or behind) a node other
 * than their two ends, and arrows running on top of each other.
 */
export function layoutProblems(page: Page) {
  return page.evaluate(() => {
    const panel = document.querySelector('[data-testid="panel-box"]')!;
    const box = panel.getBoundingClientRect();
    const out: string[] = [];
    const describe = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.getAttribute('data-testid') ? `[${el.getAttribute('data-testid')}]` : ''} "${(el.textContent ?? '').slice(0, 30)}"`;
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
      if (
        r.left < box.left - 0.5 ||
        r.top < box.top - 0.5 ||
        r.right > box.right + 0.5 ||
        r.bottom > box.bottom + 0.5
      ) {
        out.push(
          `${describe(el)} at ${JSON.stringify([r.left, r.top, r.right, r.bottom].map(Math.round))} outside ${JSON.stringify([box.left, box.top, box.right, box.bottom])}`
        );
      }
    }
    const nodes = Array.from(document.querySelectorAll('[data-testid^="jobscope-flow-node-"]'));
    const nodeRect = (n: Element) => n.querySelector('rect:nth-of-type(2)')!.getBoundingClientRect();
    for (const node of nodes) {
      const rect = nodeRect(node);
      for (const text of Array.from(node.querySelectorAll(':scope > text[data-role]'))) {
        const r = text.getBoundingClientRect();
        if (r.left < rect.left || r.right > rect.right || r.top < rect.top || r.bottom > rect.bottom) {
          out.push(`${describe(text)} leaves its node ${node.getAttribute('data-testid')}`);
        }
      }
    }
    const hit = (a: DOMRect, b: DOMRect) =>
      a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const readables = [
      ...Array.from(document.querySelectorAll('[data-testid="jobscope-flow-headline"]')),
      ...Array.from(document.querySelectorAll('[data-testid="jobscope-alert-templates"] button')),
      ...Array.from(document.querySelectorAll('[data-testid^="jobscope-flow-note-"]')),
      ...Array.from(document.querySelectorAll('[data-testid$="-rate"]')),
    ];
    for (const el of readables) {
      const r = el.getBoundingClientRect();
      for (const node of nodes) {
        if (node.contains(el)) {
          continue;
        }
        if (hit(r, nodeRect(node))) {
          out.push(`${describe(el)} overlaps ${node.getAttribute('data-testid')}`);
        }
      }
      for (const other of readables) {
        if (other !== el && !other.contains(el) && !el.contains(other) && hit(r, other.getBoundingClientRect())) {
          out.push(`${describe(el)} overlaps ${describe(other)}`);
        }
      }
    }
    for (let i = 0; i < nodes.length; i++) {
      for (let j = i + 1; j < nodes.length; j++) {
        if (hit(nodeRect(nodes[i]), nodeRect(nodes[j]))) {
          out.push(`${nodes[i].getAttribute('data-testid')} overlaps ${nodes[j].getAttribute('data-testid')}`);
        }
      }
    }
    // Edges: each drawn arrow's path, sampled every pixel, against every node box but its two
    // ends (an arrow behind a node reads as passing through it), and against every other arrow
    // (a stretch of 8 px or more within 1.5 px of another arrow runs on top of it; a crossing
    // flatter than 22° does too, and is as ambiguous).
    const ids = new Set(nodes.map((n) => n.getAttribute('data-testid')!.replace('jobscope-flow-node-', '')));
    const edges = Array.from(document.querySelectorAll('[data-testid^="jobscope-flow-edge-"]'))
      .filter((el) => !el.getAttribute('data-testid')!.endsWith('-rate'))
      .map((el) => {
        const name = el.getAttribute('data-testid')!.replace('jobscope-flow-edge-', '');
        const ends = Array.from(ids).filter((id) => name.startsWith(`${id}-`) && ids.has(name.slice(id.length + 1)));
        const geom = (el instanceof SVGGeometryElement ? el : el.querySelector('path, line')) as SVGGeometryElement;
        const m = geom.getScreenCTM()!;
        const total = geom.getTotalLength();
        const points = Array.from({ length: Math.max(2, Math.ceil(total) + 1) }, (_, i) => {
          const p = geom.getPointAtLength((total * i) / Math.max(1, Math.ceil(total)));
          return new DOMPoint(p.x, p.y).matrixTransform(m);
        });
        return { name, ends: ends.length ? [ends[0], name.slice(ends[0].length + 1)] : [], points };
      });
    for (const e of edges) {
      for (const node of nodes) {
        const id = node.getAttribute('data-testid')!.replace('jobscope-flow-node-', '');
        if (e.ends.includes(id)) {
          continue;
        }
        const r = nodeRect(node);
        if (e.points.some((p) => p.x > r.left - 1 && p.x < r.right + 1 && p.y > r.top - 1 && p.y < r.bottom + 1)) {
          out.push(`edge ${e.name} passes through ${node.getAttribute('data-testid')}`);
        }
      }
    }
    // nor through a note under a state, nor through another arrow's rate
    for (const e of edges) {
      const labels = Array.from(
        document.querySelectorAll(
          '[data-testid^="jobscope-flow-note-"], [data-testid^="jobscope-flow-edge-"][data-testid$="-rate"]'
        )
      ).filter((el) => el.getAttribute('data-testid') !== `jobscope-flow-edge-${e.name}-rate`);
      for (const label of labels) {
        const r = label.getBoundingClientRect();
        if (e.points.some((p) => p.x > r.left && p.x < r.right && p.y > r.top && p.y < r.bottom)) {
          out.push(`edge ${e.name} passes through ${label.getAttribute('data-testid')}`);
        }
      }
    }
    for (const a of edges) {
      for (const b of edges) {
        if (a === b) {
          continue;
        }
        let run = 0;
        let longest = 0;
        for (const p of a.points) {
          run = b.points.some((q) => Math.hypot(p.x - q.x, p.y - q.y) <= 1.5) ? run + 1 : 0;
          longest = Math.max(longest, run);
        }
        if (longest >= 8 && a.name < b.name) {
          out.push(`edge ${a.name} runs on top of edge ${b.name} for ${longest} px`);
        }
      }
    }
    return Array.from(new Set(out));
  });
}
