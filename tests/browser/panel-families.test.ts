/**
 * The flow panel for every family of job system, in Debian's Chromium with the real
 * @grafana/ui and Grafana's theme: BullMQ, Sidekiq, Celery, RQ, pg-boss, River, RabbitMQ,
 * JetStream and Kafka, each drawn from the catalogue's life cycle, fed overview frames made
 * by the backend's own frame code (pkg/frames/result-frames.ts, the shape the executable
 * encodes) with every metric the catalogue says the system returns, at 0 and at 999,999,999.
 * (What the packaged executable answers on real states is drawn in panel.test.ts for BullMQ and
 * panel-live.test.ts for one system of each other kind.)
 *
 * Checked, dark and light, at 300×200, 400×300, 708×300 and 1440×900: nothing outside the
 * panel, no node text outside its node, nothing a user reads or clicks overlapping another
 * (nodes, headline, bell, notes, rates), counts equal to the data, no console errors. Then a
 * click on every state lists that state's jobs through the panel's own jobs query (its targets
 * carry the state's catalogued job states), Escape closes the list and gives the focus back;
 * every state and the bell are reachable with Tab; loading, error and no data go to Grafana's
 * views. Screenshots go to artifacts/screenshots/.
 *
 * Fonts: the page carries Grafana's global styles, whose @font-face rules load Inter from
 * /public/fonts/inter/ as Grafana serves it (support.ts serves @fontsource/inter there); every
 * page checks that Inter's regular and medium faces loaded, so the text is measured in the font
 * Grafana draws it in, never a fallback.
 */
import * as fs from 'fs';
import type * as http from 'http';
import * as path from 'path';
import type { BrowserContext } from 'playwright-core';

import { CATALOGUE, descriptorOf } from '../../pkg/model/catalogue';
import type { JobSystemDescriptor } from '../../pkg/model/catalogue/types';
import { resultFrames } from '../../pkg/frames/result-frames';
import type { OverviewMetric } from '../../pkg/model/query';
import {
  backendFrameJSON,
  buildPage,
  drawnCounts,
  INTER_LOADED,
  launch,
  layoutProblems,
  openPage,
  serve,
  SHOTS,
  type QueryBody,
} from './support';

const FAMILIES = ['bullmq', 'sidekiq', 'celery', 'rq', 'pg-boss', 'river', 'rabbitmq', 'jetstream', 'kafka'] as const;
const SIZES: Array<[number, number]> = [
  [300, 200],
  [400, 300],
  [708, 300],
  [1440, 900],
];
const THEMES = ['dark', 'light'] as const;
const COUNTS = [0, 999_999_999];
const QUEUE: Record<string, string> = { kafka: 'billing/orders', jetstream: 'ORDERS/workers', rabbitmq: 'orders' };
const queueOf = (system: string) => QUEUE[system] ?? 'orders';
const JOBS_PER_STATE = 3;

/** A value for each metric the catalogue says the system returns. */
function values(d: JobSystemDescriptor, n: number): Partial<Record<OverviewMetric, number>> {
  const out: Partial<Record<OverviewMetric, number>> = {};
  for (const metric of Object.keys(d.metrics) as OverviewMetric[]) {
    const status = d.lifecycle.states.some((s) => s.status && s.metrics.includes(metric));
    out[metric] =
      metric === 'queue_paused' || status
        ? n
          ? 1
          : 0
        : metric === 'consumer_utilisation'
          ? n
            ? 0.42
            : 0
          : metric === 'workers'
            ? n
              ? 12
              : 0
            : n;
  }
  return out;
}

/** The overview frame the backend makes for one queue of `system` (Sidekiq's shared sets under "*"). */
function overviewFrames(system: string, n: number) {
  const d = descriptorOf(system)!;
  const all = values(d, n);
  const shared = new Set<string>(d.sharedValues?.metrics ?? []);
  const own = Object.fromEntries(Object.entries(all).filter(([m]) => !shared.has(m)));
  const stats = [{ system, queue: queueOf(system), values: own }];
  if (d.sharedValues) {
    stats.push({
      system,
      queue: d.sharedValues.queue,
      values: Object.fromEntries(Object.entries(all).filter(([m]) => shared.has(m))),
    });
  }
  return resultFrames({ type: 'overview', stats, notices: [], executed: 'browser test' }, { refId: 'A' }).map(
    backendFrameJSON
  );
}

/** The jobs the page's query gets for a state: a few rows in that state, as the backend frames them. */
function jobsFrames(body: QueryBody) {
  return body.targets.flatMap((t) => {
    const system = t.system ?? 'bullmq';
    const pickled = system === 'celery' || system === 'rq';
    const rows = Array.from({ length: JOBS_PER_STATE }, (_, k) => ({
      system,
      queue: t.queues?.[0] ?? queueOf(system),
      id: `${system}-${t.state}-${k}`,
      name: 'charge_card',
      state: t.state!,
      attempts: k + 1,
      createdAt: Date.UTC(2026, 11, 5, 1, k, 0),
      finishedAt: Date.UTC(2026, 11, 5, 1, k, 30),
      error: t.state === 'failed' || t.state === 'dead' || t.state === 'retry' ? `CardDeclined: order ${k}` : undefined,
      stacktrace:
        t.state === 'failed'
          ? `Traceback (most recent call last):\n  File "tasks.py", line ${k}, in charge`
          : undefined,
      payload: pickled
        ? { preview: '80049510000000000000008c08627569', bytes: 4096, truncated: true, kind: 'pickle' as const }
        : { preview: JSON.stringify({ order: k, amount: 1999 }), bytes: 26, truncated: false, kind: 'json' as const },
    }));
    return resultFrames({ type: 'jobs', rows, notices: [], executed: 'browser test' }, { refId: t.refId }).map(
      backendFrameJSON
    );
  });
}

// Sixteen page loads a test: well above jest's default.
jest.setTimeout(300_000);

let server: http.Server | undefined;
let browser: BrowserContext | undefined;
let origin = '';
const requests: QueryBody[] = [];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  const dir = await buildPage();
  for (const system of FAMILIES) {
    for (const n of COUNTS) {
      fs.writeFileSync(path.join(dir, `${system}-${n}.json`), JSON.stringify(overviewFrames(system, n)));
    }
  }
  fs.writeFileSync(path.join(dir, 'empty.json'), '[]');
  ({ server, origin } = await serve(dir, async (body) => {
    requests.push(body);
    return { frames: jobsFrames(body) };
  }));
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

const url = (system: string, n: number, theme: string, w: number, h: number, extra = '') =>
  `${origin}/?theme=${theme}&w=${w}&h=${h}&frames=${system}-${n}.json&ds=jobscope-test${extra}`;

it('covers every kind of data source in the catalogue', () => {
  expect(new Set(FAMILIES.map((s) => descriptorOf(s)!.kind))).toEqual(new Set(CATALOGUE.map((d) => d.kind)));
});

describe.each(FAMILIES)('%s', (system) => {
  const d = descriptorOf(system)!;

  it.each(THEMES)(
    'draws its life cycle in the %s theme at every size and count, nothing overflowing or overlapping',
    async (theme) => {
      for (const [w, h] of SIZES) {
        for (const n of COUNTS) {
          const { page, errors, fonts } = await openPage(browser!, url(system, n, theme, w, h), w, h);
          try {
            expect(fonts).toEqual(INTER_LOADED);
            await expect(page.getByTestId('jobscope-flow').getAttribute('data-graph')).resolves.toBe(system);
            const drawn = await drawnCounts(page);
            // every state of the life cycle but optional ones without data, each with its sum
            const expected = d.lifecycle.states
              .filter((s) => !s.optional || s.metrics.some((m) => m in d.metrics))
              .map((s) => {
                const v = values(d, n);
                const parts = s.metrics.filter((m) => v[m] !== undefined).map((m) => v[m]!);
                return [s.id, parts.length ? String(parts.reduce((a, b) => a + b, 0)) : ''];
              });
            expect(drawn.sort()).toEqual(expected.sort());
            expect({ size: `${w}x${h}`, n, problems: await layoutProblems(page) }).toEqual({
              size: `${w}x${h}`,
              n,
              problems: [],
            });
            await page.screenshot({ path: path.join(SHOTS, `family-${system}-${theme}-${w}x${h}-${n}.png`) });
            expect(errors).toEqual([]);
          } finally {
            await page.close();
          }
        }
      }
    }
  );

  it('lists the jobs of every state it is clicked on, with the state’s own query; Escape closes the list', async () => {
    const [w, h] = [708, 300];
    const { page, errors } = await openPage(browser!, url(system, 999_999_999, 'dark', w, h), w, h);
    try {
      for (const state of d.lifecycle.states.filter((s) => !s.optional)) {
        const listable = state.jobStates.filter((j) => d.jobStates.includes(j));
        const before = requests.length;
        await page.getByTestId(`jobscope-flow-node-${state.id}`).click();
        const list = page.getByTestId('jobscope-job-list');
        await list.waitFor();
        if (listable.length) {
          await list.getByTestId('jobscope-job').first().waitFor();
          const sent = requests.slice(before);
          expect(sent).toHaveLength(1);
          expect(sent[0].targets.map((t) => [t.queryType, t.state, t.system])).toEqual(
            listable.map((j) => ['jobs', j, system])
          );
          // the rows in view (the list is virtualised) are among those answered, and it holds them all
          const answered = listable.flatMap((j) =>
            Array.from({ length: JOBS_PER_STATE }, (_, k) => `${system}-${j}-${k}`)
          );
          const ids = await list
            .getByTestId('jobscope-job')
            .evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
          expect(ids.length).toBeGreaterThan(0);
          expect(answered).toEqual(expect.arrayContaining(ids));
          await expect(list.getByTestId('jobscope-job').first().getAttribute('aria-setsize')).resolves.toBe(
            String(answered.length)
          );
          // the list is a part of the state's count
          if (state.metrics.length && !state.status) {
            await expect(list.getByTestId('jobscope-job-list-title').textContent()).resolves.toMatch(
              / of 999,999,999$|of [\d,]+$/
            );
          }
          await expect(list.getByTestId('jobscope-job-times').first().textContent()).resolves.toContain(
            'created 2026-12-05 01:00:00'
          );
        } else {
          expect(requests.length).toBe(before);
          await expect(list.textContent()).resolves.toContain('No jobs to list here.');
        }
        expect(await layoutProblems(page)).toEqual([]);
        await page.keyboard.press('Escape');
        await list.waitFor({ state: 'detached' });
        await page.waitForFunction(
          (id) => document.activeElement?.getAttribute('data-testid') === id,
          `jobscope-flow-node-${state.id}`
        );
      }
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('reaches the bell and every state with Tab, showing Grafana’s focus ring', async () => {
    const [w, h] = [400, 300];
    const { page, errors, fonts } = await openPage(browser!, url(system, 0, 'light', w, h), w, h);
    try {
      expect(fonts).toEqual(INTER_LOADED);
      const nodes = await page
        .locator('[data-testid^="jobscope-flow-node-"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
      const reached: Array<string | null> = [];
      let ring: string | undefined;
      for (let i = 0; i < nodes.length + 1; i++) {
        await page.keyboard.press('Tab');
        reached.push(
          await page.evaluate(
            () =>
              document.activeElement?.getAttribute('data-testid') ??
              document.activeElement?.getAttribute('aria-label') ??
              null
          )
        );
        // the ring: Grafana's focus colour (primary.main) around the focused node
        ring ??= await page.evaluate(() => {
          const rect = document.activeElement?.querySelector('rect');
          return rect ? getComputedStyle(rect).stroke : undefined;
        });
      }
      expect(reached.filter((r) => r?.startsWith('jobscope-flow-node-')).sort()).toEqual([...nodes].sort());
      expect(reached.some((r) => r?.startsWith('Alert rule templates'))).toBe(true);
      // the light theme's primary.main (#3871DC), as styleMixins.getFocusStyles draws it
      expect(ring).toBe('rgb(56, 113, 220)');
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});

describe('panel states', () => {
  it.each([
    ['loading', 'jobscope-flow-loading', 'Loading'],
    // @grafana/runtime's PanelDataErrorView (Grafana replaces it with its own view at start-up)
    ['error', 'jobscope-flow-error', 'Unable to render data: downstream: connect ECONNREFUSED 127.0.0.1:6390'],
    ['done', 'jobscope-flow-empty', 'Unable to render data'],
  ])('%s renders Grafana’s view', async (state, testId, text) => {
    const [w, h] = [400, 300];
    const { page, errors, fonts } = await openPage(
      browser!,
      `${origin}/?theme=dark&w=${w}&h=${h}&frames=empty.json&state=${state}`,
      w,
      h,
      `[data-testid="${testId}"]`
    );
    try {
      // Grafana's views draw regular text only
      expect(fonts).toMatchObject({ 400: 'loaded' });
      await expect(page.getByTestId(testId).textContent()).resolves.toContain(text);
      expect(await layoutProblems(page)).toEqual([]);
      await page.screenshot({ path: path.join(SHOTS, `state-${state}.png`) });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
