import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { IconButton, useStyles2 } from '@grafana/ui';

import type { JobListRow } from '../job-rows';
import { JobListItem } from './JobListItem';

/** Rows rendered at once; the rest are counted (the jobs query's limit bounds the data). */
export const MAX_SHOWN = 200;

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
}

/** The jobs of the clicked state, from the `jobs` table frame in the panel's data. */
export function JobList({ title, jobs, hasJobsFrame, states, showQueue, width, height, onClose }: JobListProps) {
  const styles = useStyles2(getStyles);
  const shown = jobs.slice(0, MAX_SHOWN);
  return (
    <section className={styles.wrap} style={{ width, height }} aria-label={`${title} jobs`} data-testid="jobscope-job-list">
      <header className={styles.header}>
        <span className={styles.title}>{`${title} · ${jobs.length}`}</span>
        <IconButton name="times" size="sm" tooltip="Back to the flow" onClick={onClose} />
      </header>
      {!hasJobsFrame && (
        <p className={styles.hint}>{`Add a query of type jobs (state ${states.join(' or ')}) to this panel to list these jobs.`}</p>
      )}
      {hasJobsFrame && jobs.length === 0 && <p className={styles.hint}>{`No ${title.toLowerCase()} jobs in the data.`}</p>}
      {shown.length > 0 && (
        <ul className={styles.list}>
          {shown.map((job) => (
            <JobListItem key={`${job.system}/${job.queue}/${job.id}`} job={job} showQueue={showQueue} />
          ))}
        </ul>
      )}
      {jobs.length > shown.length && <p className={styles.hint}>{`${jobs.length - shown.length} more not shown`}</p>}
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
    justifyContent: 'space-between',
    padding: theme.spacing(0.5, 1),
    borderBottom: `1px solid ${theme.colors.border.medium}`,
    flex: 'none',
  }),
  title: css({ fontWeight: theme.typography.fontWeightMedium, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  list: css({ margin: 0, padding: 0, overflowY: 'auto', overflowX: 'hidden', flex: 1, minHeight: 0 }),
  hint: css({ margin: theme.spacing(1), color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
