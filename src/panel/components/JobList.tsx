import React, { useEffect, useMemo, useRef, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Alert, IconButton, LoadingBar, useStyles2 } from '@grafana/ui';

import { logsLink, type LogsTarget } from '../explore-links';
import { formatExact } from '../format';
import type { JobListRow } from '../job-rows';
import { JobListItem } from './JobListItem';
import { VirtualList } from './VirtualList';

/** Height assumed for a job not yet measured: id line, times, error line, payload line. */
export const ESTIMATED_ROW_HEIGHT = 96;

export interface JobListProps {
  title: string;
  jobs: JobListRow[];
  /** The state's count in the overview, for "205 of 1,234". */
  total?: number;
  loading: boolean;
  errors: string[];
  /** Why this state's jobs cannot be listed (a counter without jobs), instead of a list. */
  unlistable?: string;
  showQueue: boolean;
  width: number;
  height: number;
  timeZone?: string;
  onClose: () => void;
  /** Logs data source for the "Logs" link of jobs with a trace id. */
  logsTarget?: LogsTarget;
  /** Controls shown in the header before the close button (the alert templates bell). */
  actions?: React.ReactNode;
}

const jobKey = (job: JobListRow) => `${job.system}\u0000${job.queue}\u0000${job.id}`;

/** "205 of 1,234" when the list is a part of the state's count, else "205". */
export function listCount(shown: number, total: number | undefined): string {
  return total !== undefined && total > shown ? `${formatExact(shown)} of ${formatExact(total)}` : formatExact(shown);
}

/**
 * The jobs of the clicked state, from the panel's own `jobs` query: every job returned, with
 * only the ones in view rendered. Escape closes it (from anywhere inside).
 */
export function JobList(props: JobListProps) {
  const {
    title,
    jobs,
    total,
    loading,
    errors,
    unlistable,
    showQueue,
    width,
    height,
    timeZone,
    onClose,
    logsTarget,
    actions,
  } = props;
  const styles = useStyles2(getStyles);
  const keys = useMemo(() => jobs.map(jobKey), [jobs]);
  const section = useRef<HTMLElement>(null);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (key: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (!next.delete(key)) {
        next.add(key);
      }
      return next;
    });
  // Opened from a node: the focus moves into the list, so Escape and Tab work at once.
  useEffect(() => section.current?.focus({ preventScroll: true }), []);

  return (
    <section
      ref={section}
      tabIndex={-1}
      className={styles.wrap}
      style={{ width, height }}
      aria-label={`${title} jobs`}
      data-testid="jobscope-job-list"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !e.defaultPrevented) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <header className={styles.header}>
        <span className={styles.title} data-testid="jobscope-job-list-title">
          {loading ? title : `${title} · ${listCount(jobs.length, total)}`}
        </span>
        <div className={styles.actions}>
          {actions}
          <IconButton
            name="times"
            size="sm"
            tooltip="Back to the flow"
            onClick={onClose}
            data-testid="jobscope-job-list-close"
          />
        </div>
      </header>
      {loading && (
        <>
          <LoadingBar width={width} ariaLabel="Loading jobs" />
          <p className={styles.hint}>Loading jobs…</p>
        </>
      )}
      {errors.map((e) => (
        <Alert key={e} severity="error" title="The jobs query failed" className={styles.alert}>
          {e}
        </Alert>
      ))}
      {unlistable && <p className={styles.hint}>{unlistable}</p>}
      {!loading && !unlistable && errors.length === 0 && jobs.length === 0 && (
        <p className={styles.hint}>{`No ${title.toLowerCase()} jobs.`}</p>
      )}
      {jobs.length > 0 && (
        <VirtualList
          keys={keys}
          estimateHeight={ESTIMATED_ROW_HEIGHT}
          fallbackHeight={height}
          label={`${title} jobs, ${jobs.length}`}
          className={styles.scroller}
          listClassName={styles.list}
          renderRow={(i, row) => {
            const job = jobs[i];
            return (
              <JobListItem
                key={keys[i]}
                job={job}
                showQueue={showQueue}
                expanded={expanded.has(keys[i])}
                onToggle={() => toggle(keys[i])}
                logs={logsTarget && job.traceId && !job.logs ? logsLink(logsTarget, job.traceId, job.time) : undefined}
                timeZone={timeZone}
                row={row}
              />
            );
          }}
        />
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    display: 'flex',
    flexDirection: 'column',
    minWidth: 0,
    overflow: 'hidden',
    borderLeft: `1px solid ${theme.colors.border.weak}`,
    background: theme.colors.background.primary,
    outline: 'none',
  }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    padding: theme.spacing(0.5, 1),
    borderBottom: `1px solid ${theme.colors.border.medium}`,
    flex: 'none',
    minWidth: 0,
  }),
  title: css({
    flex: '1 1 auto',
    minWidth: 0,
    fontWeight: theme.typography.fontWeightMedium,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
  actions: css({ flex: 'none', display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  scroller: css({ overflowY: 'auto', overflowX: 'hidden', flex: 1, minHeight: 0 }),
  list: css({ margin: 0, padding: 0 }),
  hint: css({
    margin: theme.spacing(1),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  alert: css({ margin: theme.spacing(1), flex: 'none' }),
});
