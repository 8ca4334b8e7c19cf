/**
 * The flow panel in a real browser (Debian's Chromium through playwright-core), rendering
 * the real panel component with the real @grafana/ui on React 18, fed frames that the
 * packaged backend produced from real BullMQ queues in Redis:
 * - light and dark, at 300×200 and 1920×1080: no console errors, nothing outside the panel
 *   box, node labels inside their nodes, nothing overlapping, counts equal to the backend's;
 * - clicking `failed` runs the panel's own jobs query, which the test answers from the
 *   packaged executable, and lists the failed job ids with links to the trace and to its logs
 *   in Explore; the list's close button and alert-templates bell do not overlap;
 * - a list of 10,000 jobs renders only the rows in view, scrolls to its last job, keeps rows
 *   from overlapping when one expands, and moves the focus to the last job with End.
 * Screenshots go to artifacts/screenshots/.
 */
import * as bullmq from 'bullmq';
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';

import { startPlugin, type PluginProcess } from '../harness/plugin-process';
import { GrafanaClient, type DatasourceSettings } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { makeBullmqState, type BullmqState } from '../support/bullmq-states';
import { bullConnection, deletePrefix, REDIS_URL, uniquePrefix, waitUntil } from '../support/redis';
import {
  buildPage,
  decodedFrameJSON as frameJSON,
  launch,
  layoutProblems,
  openPage,
  serve,
  SHOTS,
  type FrameJSON,
  type QueryBody,
} from './support';

const TRACING_UID = 'tempo-browser-test';
const LOGS_UID = 'loki-browser-test';
const MANY = 10_000;
const TRACE_IDS = ['4bf92f3577b34da6a3ce929d0e0e4736', '0af7651916cd43dd8448eb211c80319c'];

const SIZES: Array<[number, number]> = [
  [300, 200],
  [1920, 1080],
];
const THEMES = ['light', 'dark'] as const;

/** What each BullMQ state sums (the catalogue's life cycle, restated here rather than imported). */
const NODE_METRICS: Record<string, string[]> = {
  delayed: ['delayed'],
  waiting: ['wait', 'paused'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

/** A queue whose jobs fail carrying W3C traceparents in their data (as an OTel-instrumented producer sends). */
async function makeTracedFailures(prefix: string) {
  const connection = bullConnection();
  const payments = new bullmq.Queue('payments', { connection, prefix });
  const worker = new bullmq.Worker(
    'payments',
    async (job) => {
      throw new Error(`gateway timeout for payment ${job.data.payment}`);
    },
    { connection, prefix }
  );
  await worker.waitUntilReady();
  for (const [i, trace] of TRACE_IDS.entries()) {
    await payments.add(
      'capture',
      { payment: 500 + i, traceparent: `00-${trace}-00f067aa0ba902b7-01`, card: 'x'.repeat(400) },
      { attempts: 1 }
    );
  }
  await waitUntil('2 failed payments', async () => (await payments.getJobCounts('failed')).failed === TRACE_IDS.length);
  await worker.close();
  return payments;
}

/**
 * The backend's jobs frame grown to MANY failed jobs: its own rows repeated with new ids, every
 * seventh with a long, multi-line error (rows of different heights).
 */
function manyJobs(frame: FrameJSON) {
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

jest.setTimeout(60_000);

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
/** The 10,000-job frame the page's jobs query gets while `answerMany` is set. */
let many: FrameJSON | undefined;
let answerMany = false;
const sent: QueryBody[] = [];

/** Answers the page's own queries from the packaged executable, as Grafana's /api/ds/query would. */
function answer(ds: DatasourceSettings) {
  return async (body: QueryBody) => {
    sent.push(body);
    if (answerMany) {
      return { frames: body.targets.some((t) => t.state === 'failed') ? [many!] : [] };
    }
    const responses = await grafana!.queryData(
      ds,
      body.targets.map((t) => ({ refId: t.refId, json: t }))
    );
    return {
      frames: Object.values(responses).flatMap((r) => r.frames.map(decodeFrame).map(frameJSON)),
      errors: Object.values(responses)
        .filter((r) => r.error)
        .map((r) => ({ message: String(r.error) })),
    };
  };
}

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
  failedRows = col('id').map((id, i) => ({
    id: String(id),
    queue: String(col('queue')[i]),
    trace: col('trace_id')[i] as string | null,
  }));

  const dir = await buildPage();
  fs.writeFileSync(path.join(dir, 'frames.json'), JSON.stringify(overview.map(frameJSON)));
  fs.writeFileSync(path.join(dir, 'frames-many.json'), JSON.stringify(overview.map(frameJSON)));
  many = manyJobs(frameJSON(jobs[0]));
  ({ server, origin } = await serve(dir, answer(ds)));
  browser = await launch();
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
  answerMany = frames === 'frames-many.json';
  return openPage(
    browser!,
    `${origin}/?theme=${theme}&w=${width}&h=${height}&queue=${encodeURIComponent(queue)}&frames=${frames}&ds=ds-${prefix}&logs=${LOGS_UID}`,
    width,
    height
  );
}

const overflow = (page: Page) => layoutProblems(page);

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
      // always in the state's tooltip; under the node where there is room for a readable note
      await expect(page.getByTestId('jobscope-flow-node-waiting').locator('title').textContent()).resolves.toContain(
        'no live worker for emails'
      );
      if (height >= 400) {
        await expect(page.getByTestId('jobscope-flow-note-waiting').textContent()).resolves.toBe('no worker');
      }
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
      const before = sent.length;
      await page.getByTestId('jobscope-flow-node-failed').click();
      const list = page.getByTestId('jobscope-job-list');
      await list.getByTestId('jobscope-job').first().waitFor();
      // the panel's own query: BullMQ's failed state lists its failed and dead jobs
      expect(sent.slice(before).map((b) => b.targets.map((t) => [t.queryType, t.state, t.system]))).toEqual([
        [
          ['jobs', 'failed', 'bullmq'],
          ['jobs', 'dead', 'bullmq'],
        ],
      ]);
      const ids = await list
        .getByTestId('jobscope-job')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
      // what the backend returned, and what BullMQ itself holds as failed
      expect(ids.sort()).toEqual(failedRows.map((r) => r.id).sort());
      const library = [...(await state!.queues.orders.getFailed()), ...(await payments!.getFailed())].map((j) => j.id);
      expect(ids.sort()).toEqual(library.sort());

      // when each job was created and finished, today (the backend's times, read as Grafana does)
      const today = new Date().toISOString().slice(0, 10);
      await expect(list.getByTestId('jobscope-job-times').first().textContent()).resolves.toMatch(
        new RegExp(`^created ${today} .*finished ${today} `)
      );
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
        const logPanes = JSON.parse(
          new URL((await logs.nth(i).getAttribute('href'))!, origin).searchParams.get('panes')!
        );
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
      await list.getByTestId('jobscope-job').first().waitFor();
      // 10,000 listed of the failed count the overview holds
      await expect(list.getByTestId('jobscope-job-list-title').textContent()).resolves.toMatch(
        /^Failed · 10,000( of [\d,]+)?$/
      );
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
            return Math.abs(r.top - prev.bottom) > 1
              ? [`${el.getAttribute('data-job-id')} at ${r.top}, previous ends at ${prev.bottom}`]
              : [];
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
      // rows around the middle are rendered (rows not measured yet stand in at their estimated height,
      // so the middle of the scroll bar is within a few rows of job 5,000)
      await page.waitForFunction(
        (mid) =>
          Array.from(document.querySelectorAll('[data-testid="jobscope-job"]')).some(
            (el) => Math.abs(Number(el.getAttribute('aria-posinset')) - mid) <= 50
          ),
        MANY / 2
      );
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
      await expect(page.evaluate(() => document.activeElement?.getAttribute('data-job-id'))).resolves.toBe(
        `bulk-${MANY - 1}`
      );

      expect(await overflow(page)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
