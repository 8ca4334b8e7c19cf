import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import type { JobListRow } from '../job-rows';
import { PayloadPreview } from './PayloadPreview';

/** One job: id, name, attempts, error, payload preview and trace link. */
export function JobListItem({ job, showQueue }: { job: JobListRow; showQueue: boolean }) {
  const styles = useStyles2(getStyles);
  return (
    <li className={styles.item} data-testid="jobscope-job" data-job-id={job.id}>
      <div className={styles.head}>
        <span className={styles.id} title={job.id}>
          {job.id}
        </span>
        {job.name && <span className={styles.name}>{job.name}</span>}
        {showQueue && <span className={styles.muted}>{job.queue}</span>}
        {job.attempts !== undefined && <span className={styles.muted}>{`${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`}</span>}
        {job.trace && (
          <span className={styles.trace} data-testid="jobscope-trace-link">
            {/* A plain anchor: works inside and outside Grafana's router (Explore reloads fine). */}
            <a
              href={job.trace.href}
              target={job.trace.target}
              rel={job.trace.target === '_blank' ? 'noopener noreferrer' : undefined}
              className={styles.link}
              title={`${job.trace.title}: ${job.traceId}`}
            >
              {job.trace.title}
            </a>
          </span>
        )}
      </div>
      {job.error && (
        <div className={styles.error} title={job.error}>
          {job.error}
        </div>
      )}
      {job.payload !== undefined && <PayloadPreview payload={job.payload} bytes={job.payloadBytes} truncated={job.payloadTruncated} />}
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  item: css({
    listStyle: 'none',
    padding: theme.spacing(0.75, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    minWidth: 0,
  }),
  head: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'baseline', gap: theme.spacing(0, 1), minWidth: 0 }),
  id: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontWeight: theme.typography.fontWeightMedium,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
    maxWidth: '100%',
  }),
  name: css({ color: theme.colors.text.primary }),
  muted: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  trace: css({ marginLeft: 'auto', fontSize: theme.typography.bodySmall.fontSize }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  error: css({
    color: theme.colors.error.text,
    fontSize: theme.typography.bodySmall.fontSize,
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    whiteSpace: 'nowrap',
  }),
});
