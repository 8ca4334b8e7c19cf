import React from 'react';
import { act, fireEvent, render, screen, within } from '@testing-library/react';

import type { LogsTarget } from '../explore-links';
import type { JobListRow } from '../job-rows';
import { ESTIMATED_ROW_HEIGHT, JobList } from './JobList';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function manyJobs(n: number): JobListRow[] {
  return Array.from({ length: n }, (_, i) => ({
    system: 'bullmq',
    queue: 'orders',
    id: `job-${i}`,
    name: 'charge',
    state: 'failed',
    attempts: 1,
    error: i % 2 ? `card declined for order ${i}` : `timeout\n    at charge (worker.js:${i}:1)`,
    payload: JSON.stringify({ order: i, note: 'x'.repeat(200) }),
    payloadTruncated: false,
    traceId: i % 3 === 0 ? TRACE : undefined,
    time: i % 3 === 0 ? 1_700_000_000_000 : undefined,
  }));
}

function renderList(jobs: JobListRow[], logsTarget?: LogsTarget, height = 400) {
  return render(
    <JobList
      title="Failed"
      jobs={jobs}
      loading={false}
      errors={[]}
      showQueue={false}
      width={400}
      height={height}
      onClose={jest.fn()}
      logsTarget={logsTarget}
    />
  );
}

const rows = () => screen.getAllByTestId('jobscope-job');
const ids = () => rows().map((r) => r.getAttribute('data-job-id'));
const scroller = () => screen.getByTestId('jobscope-job-scroller');
const list = () => within(screen.getByTestId('jobscope-job-list')).getByRole('list');

function scrollTo(top: number) {
  act(() => {
    scroller().scrollTop = top;
    fireEvent.scroll(scroller());
  });
}

describe('JobList virtualisation', () => {
  it('renders a screenful of 10,000 jobs, and later ones as it scrolls', () => {
    renderList(manyJobs(10_000));
    expect(screen.getByText('Failed · 10,000')).toBeInTheDocument();
    expect(list()).toHaveAccessibleName('Failed jobs, 10000');
    // a 400 px viewport plus overscan: a few dozen rows at most, not 10,000
    expect(rows().length).toBeGreaterThan(3);
    expect(rows().length).toBeLessThan(30);
    expect(ids()[0]).toBe('job-0');
    expect(rows()[0]).toHaveAttribute('aria-posinset', '1');
    expect(rows()[0]).toHaveAttribute('aria-setsize', '10000');
    // the rows not rendered are stood in for by padding, so the scroll bar is the full list's
    const style = list().style;
    expect(parseFloat(style.paddingTop)).toBe(0);
    expect(parseFloat(style.paddingBottom)).toBe((10_000 - rows().length) * ESTIMATED_ROW_HEIGHT);

    scrollTo(5000 * ESTIMATED_ROW_HEIGHT);
    expect(ids()).toContain('job-5000');
    expect(ids()).not.toContain('job-0');
    expect(rows().length).toBeLessThan(30);

    scrollTo(10_000 * ESTIMATED_ROW_HEIGHT);
    expect(ids()).toContain('job-9999');
    expect(rows().at(-1)).toHaveAttribute('aria-posinset', '10000');
    expect(parseFloat(list().style.paddingBottom)).toBe(0);
  });

  describe('with measured row heights', () => {
    // jsdom has no layout: a row is 50 px, 300 px when expanded, reported by a ResizeObserver
    // that, like the browser's, calls back for every observed row on each render's layout
    let spy: jest.SpyInstance;
    const observers = new Set<{ cb: ResizeObserverCallback; els: Set<Element>; self?: ResizeObserver }>();
    beforeAll(() => {
      window.ResizeObserver = class {
        private readonly o: { cb: ResizeObserverCallback; els: Set<Element>; self?: ResizeObserver };
        constructor(cb: ResizeObserverCallback) {
          this.o = { cb, els: new Set(), self: this as unknown as ResizeObserver };
          observers.add(this.o);
        }
        observe(el: Element) {
          this.o.els.add(el);
          queueMicrotask(() => this.o.cb([{ target: el } as ResizeObserverEntry], this as unknown as ResizeObserver));
        }
        unobserve(el: Element) {
          this.o.els.delete(el);
        }
        disconnect() {
          observers.delete(this.o);
        }
      } as unknown as typeof ResizeObserver;
    });
    afterAll(() => {
      delete (window as { ResizeObserver?: unknown }).ResizeObserver;
    });
    /** Lets pending observer callbacks run, then reports every observed row's size again. */
    const layout = async () => {
      for (let i = 0; i < 3; i++) {
        await act(async () => {});
      }
      await act(async () =>
        observers.forEach((o) =>
          o.cb(
            [...o.els].map((target) => ({ target }) as ResizeObserverEntry),
            o.self!
          )
        )
      );
      for (let i = 0; i < 3; i++) {
        await act(async () => {});
      }
    };
    beforeEach(() => {
      spy = jest.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
        const h = this.tagName === 'LI' ? (this.querySelector('[aria-expanded="true"]') ? 300 : 50) : 0;
        return {
          x: 0,
          y: 0,
          top: 0,
          left: 0,
          width: 400,
          height: h,
          right: 400,
          bottom: h,
          toJSON: () => ({}),
        } as DOMRect;
      });
    });
    afterEach(() => spy.mockRestore());

    it('places rows by their measured heights and keeps an expanded row’s height', async () => {
      renderList(manyJobs(10_000));
      await layout();
      await layout();
      const shown = rows().length;
      // 800 px (viewport and overscan) hold 16 measured rows of 50 px (11 at the 76 px estimate)
      expect(shown).toBeGreaterThanOrEqual(16);
      // measured rows count 50 px each, the rest the estimate
      expect(parseFloat(list().style.paddingBottom)).toBe((10_000 - shown) * ESTIMATED_ROW_HEIGHT);
      const total = () => parseFloat(list().style.paddingTop) + parseFloat(list().style.paddingBottom);

      // expand the first job: payload and error in full, the row measured again
      const first = rows()[0];
      fireEvent.click(within(first).getByRole('button', { name: 'Show all' }));
      await layout();
      expect(within(first).getByRole('button', { name: 'Show less' })).toHaveAttribute('aria-expanded', 'true');
      expect(within(first).getByTestId('jobscope-payload').textContent).toContain('x'.repeat(200));
      expect(within(first).getByTestId('jobscope-error').textContent).toContain('at charge (worker.js:0:1)');
      // 250 px more in the first row: five fewer rows fit
      expect(rows().length).toBe(shown - 5);

      // scrolled away, the expanded row is not rendered but its 300 px stay in the padding above
      scrollTo(100 * 50);
      await layout();
      expect(ids()).not.toContain('job-0');
      const firstShown = Number(rows()[0].getAttribute('data-index'));
      // rows 1..firstShown-1 were measured (50) or estimated; row 0 is 300
      expect(parseFloat(list().style.paddingTop)).toBeGreaterThanOrEqual(300 + (firstShown - 1) * 50);
      expect(total()).toBeGreaterThan(0);

      // and expanded again when it comes back
      scrollTo(0);
      await layout();
      expect(within(rows()[0]).getByRole('button', { name: 'Show less' })).toBeInTheDocument();
    });
  });

  it('moves the focus row by row with the keyboard, rendering the rows it reaches', () => {
    renderList(manyJobs(10_000));
    // one tab stop in the list: the first row
    expect(rows().filter((r) => r.tabIndex === 0)).toHaveLength(1);
    act(() => rows()[0].focus());
    fireEvent.keyDown(rows()[0], { key: 'ArrowDown' });
    expect(document.activeElement).toHaveAttribute('data-job-id', 'job-1');
    fireEvent.keyDown(document.activeElement!, { key: 'End' });
    expect(document.activeElement).toHaveAttribute('data-job-id', 'job-9999');
    expect(document.activeElement).toHaveAttribute('aria-posinset', '10000');
    expect(scroller().scrollTop).toBeGreaterThan(9000 * ESTIMATED_ROW_HEIGHT);
    fireEvent.keyDown(document.activeElement!, { key: 'PageUp' });
    const after = Number(document.activeElement!.getAttribute('data-index'));
    expect(after).toBeLessThan(9999);
    expect(after).toBeGreaterThan(9980);
    fireEvent.keyDown(document.activeElement!, { key: 'Home' });
    expect(document.activeElement).toHaveAttribute('data-job-id', 'job-0');
    expect(scroller().scrollTop).toBe(0);
  });

  it('links a job’s trace id to its logs when a logs data source is set', () => {
    const loki: LogsTarget = { uid: 'loki-1', type: 'loki', labelSelector: '{app="worker"}' };
    renderList(manyJobs(4), loki);
    const [withTrace, without] = rows();
    const logs = within(withTrace).getByRole('link', { name: `Logs of trace ${TRACE}` });
    expect(logs).toHaveTextContent('Logs');
    const panes = JSON.parse(new URL(logs.getAttribute('href')!, 'http://x').searchParams.get('panes')!);
    expect(panes.log).toMatchObject({
      datasource: 'loki-1',
      queries: [{ refId: 'A', expr: `{app="worker"} |= "${TRACE}"`, datasource: { type: 'loki', uid: 'loki-1' } }],
      range: { from: String(1_700_000_000_000 - 1_800_000), to: String(1_700_000_000_000 + 1_800_000) },
    });
    expect(within(without).queryByRole('link')).not.toBeInTheDocument();
  });
});
