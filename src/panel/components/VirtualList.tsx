import React, { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';

/** What a rendered row must spread on its root `<li>`. */
export interface VirtualRowProps {
  ref: (el: HTMLLIElement | null) => void;
  'data-index': number;
  'data-key': string;
  'aria-posinset': number;
  'aria-setsize': number;
  tabIndex: number;
  onFocus: (e: React.FocusEvent<HTMLLIElement>) => void;
}

export interface VirtualListProps {
  /** One stable key per row; the list renders keys.length rows. */
  keys: readonly string[];
  /** Height assumed for a row not yet measured, px. */
  estimateHeight: number;
  /** Viewport height until the browser has measured it (and in jsdom, which never does), px. */
  fallbackHeight: number;
  /** Extra pixels rendered above and below the viewport. */
  overscan?: number;
  label: string;
  className?: string;
  listClassName?: string;
  renderRow: (index: number, props: VirtualRowProps) => React.ReactNode;
}

/** First index i with offsets[i] > value (offsets ascending). */
function upperBound(offsets: Float64Array, value: number): number {
  let lo = 0;
  let hi = offsets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (offsets[mid] <= value) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

/** The browser's ResizeObserver; none in jsdom, where rows keep their estimated height. */
const resizeObserver = () => (typeof ResizeObserver === 'undefined' ? undefined : ResizeObserver);

/**
 * A list that renders only the rows in (and just around) its viewport: rows of any height,
 * measured as they render and again whenever they resize (a row that expands), the rest
 * stood in for by padding sized from measured or estimated heights. Rows are `<li>`s of one
 * `<ul>` carrying aria-setsize/aria-posinset, so screen readers announce "3 of 10,000". Arrow
 * keys, Page Up/Down, Home and End move the focus from row to row (rendering the target row
 * first); Tab reaches one row (the focused one, else the first shown) and then its controls.
 */
export function VirtualList({
  keys,
  estimateHeight,
  fallbackHeight,
  overscan = 400,
  label,
  className,
  listClassName,
  renderRow,
}: VirtualListProps) {
  const count = keys.length;
  const scroller = useRef<HTMLDivElement>(null);
  const [heights, setHeights] = useState<ReadonlyMap<string, number>>(() => new Map());
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(0);
  const [focusIndex, setFocusIndex] = useState<number | undefined>();
  const pendingFocus = useRef<number | undefined>(undefined);

  const offsets = useMemo(() => {
    const o = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) {
      o[i + 1] = o[i] + (heights.get(keys[i]) ?? estimateHeight);
    }
    return o;
  }, [count, keys, estimateHeight, heights]);

  const height = viewport || fallbackHeight;
  const start = Math.max(0, upperBound(offsets, Math.max(0, scrollTop - overscan)) - 1);
  const end = Math.min(count, upperBound(offsets, scrollTop + height + overscan));

  // Rows are measured when they first render and whenever they resize (fonts, a row expanded):
  // ResizeObserver reports both, after layout and before paint.
  const [observer] = useState(() => {
    const RO = resizeObserver();
    return (
      RO &&
      new RO((entries, self) => {
        const measured: Array<[string, number]> = [];
        for (const e of entries) {
          if (!e.target.isConnected) {
            self.unobserve(e.target); // a row scrolled out of the list
            continue;
          }
          const key = e.target.getAttribute('data-key');
          const h = e.target.getBoundingClientRect().height;
          if (key !== null && h > 0) {
            measured.push([key, h]);
          }
        }
        setHeights((prev) => {
          const changed = measured.filter(([k, h]) => Math.abs((prev.get(k) ?? -1) - h) >= 0.5);
          return changed.length ? new Map([...prev, ...changed]) : prev;
        });
      })
    );
  });
  useEffect(() => () => observer?.disconnect(), [observer]);
  const rowRef = useCallback((el: HTMLLIElement | null) => el && observer?.observe(el), [observer]);

  useEffect(() => {
    const el = scroller.current;
    const RO = resizeObserver();
    if (!el || !RO) {
      return;
    }
    const ro = new RO(() => setViewport(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // Focus a row the keyboard moved to once it is rendered.
  useEffect(() => {
    if (pendingFocus.current !== undefined) {
      const el = scroller.current?.querySelector<HTMLElement>(`li[data-index="${pendingFocus.current}"]`);
      if (el) {
        pendingFocus.current = undefined;
        el.focus({ preventScroll: true });
      }
    }
  });

  /** Scrolls so that row `index` is fully visible and focuses it once rendered. */
  const moveTo = (index: number) => {
    const target = Math.max(0, Math.min(count - 1, index));
    const el = scroller.current;
    if (el) {
      let top = el.scrollTop;
      if (offsets[target] < top) {
        top = offsets[target];
      } else if (offsets[target + 1] > top + height) {
        top = offsets[target + 1] - height;
      }
      if (top !== el.scrollTop) {
        el.scrollTop = top;
        setScrollTop(top);
      }
    }
    pendingFocus.current = target;
    setFocusIndex(target);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLUListElement>) => {
    const row = e.target as HTMLElement;
    if (!row.matches?.('li[data-index]')) {
      return; // keys inside a row's own controls stay theirs
    }
    const index = Number(row.getAttribute('data-index'));
    const page = Math.max(1, upperBound(offsets, offsets[index] + height) - index - 1);
    const next: Record<string, number> = {
      ArrowDown: index + 1,
      ArrowUp: index - 1,
      PageDown: index + page,
      PageUp: index - page,
      Home: 0,
      End: count - 1,
    };
    if (e.key in next) {
      e.preventDefault();
      moveTo(next[e.key]);
    }
  };

  const tabbable = focusIndex !== undefined && focusIndex >= start && focusIndex < end ? focusIndex : start;
  const items: React.ReactNode[] = [];
  for (let i = start; i < end; i++) {
    items.push(
      renderRow(i, {
        ref: rowRef,
        'data-index': i,
        'data-key': keys[i],
        'aria-posinset': i + 1,
        'aria-setsize': count,
        tabIndex: i === tabbable ? 0 : -1,
        onFocus: (e) => {
          if (e.target === e.currentTarget) {
            setFocusIndex(i);
          }
        },
      })
    );
  }

  return (
    <div
      ref={scroller}
      className={className}
      data-testid="jobscope-job-scroller"
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <ul
        aria-label={label}
        className={listClassName}
        style={{ paddingTop: offsets[start], paddingBottom: offsets[count] - offsets[end] }}
        onKeyDown={onKeyDown}
      >
        {items}
      </ul>
    </div>
  );
}
