import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, useStyles2 } from '@grafana/ui';

import { logsLink, type LogsTarget } from '../explore-links';
import type { JobListRow } from '../job-rows';
import { JobListItem } from './JobListItem';
import { VirtualList } from './VirtualList';

/** Height assumed for a job not yet measured: id line, error line, payload line. */
export const ESTIMATED_ROW_HEIGHT = 76;

export interface JobListProps {
  title: string;
  jobs: JobListRow[];
  /** False when the panel's data has no `jobs` frame at all. */
  hasJobsFrame: boolean;
  /** States listed, for the hint when no jobs query is present. */
  states: readonly string[];
  showQueue: boolean;
  width: number;
  height: number;
  onClose: () => void;
  /** Logs data source for the "Logs" link of jobs with a trace id. */
  logsTarget?: LogsTarget;
  /** Controls shown in the header before the close button (the alert templates bell). */
  actions?: React.ReactNode;
}

const jobKey = (job: JobListRow) => `${job.system}\u0000${job.queue}\u0000${job.id}`;

/**
 * The jobs of the clicked state, from the `jobs` table frame in the panel's data: every job,
 * with only the ones in view rendered.
 */
export function JobList({ title, jobs, hasJobsFrame, states, showQueue, width, height, onClose, logsTarget, actions }: JobListProps) {
  const styles = useStyles2(getStyles);
  const keys = useMemo(() => jobs.map(jobKey), [jobs]);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const toggle = (key: string) =>
    setExpanded((s) => {
      const next = new Set(s);
      if (!next.delete(key)) {
        next.add(key);
      }
      return next;
    });

  return (
    <section className={styles.wrap} style={{ width, height }} aria-label={`${title} jobs`} data-testid="jobscope-job-list">
      <header className={styles.header}>
        <span className={styles.title}>{`${title} · ${jobs.length}`}</span>
        <div className={styles.actions}>
          {actions}
          <IconButton name="times" size="sm" tooltip="Back to the flow" onClick={onClose} data-testid="jobscope-job-list-close" />
        </div>
      </header>
      {!hasJobsFrame && (
        <p className={styles.hint}>{`Add a query of type jobs (state ${states.join(' or ')}) to this panel to list these jobs.`}</p>
      )}
      {hasJobsFrame && jobs.length === 0 && <p className={styles.hint}>{`No ${title.toLowerCase()} jobs in the data.`}</p>}
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
  hint: css({ margin: theme.spacing(1), color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
