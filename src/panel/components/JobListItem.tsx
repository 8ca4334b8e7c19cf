import React, { useState } from 'react';
import { css, cx } from '@emotion/css';
import { dateTimeFormat, type GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';

import type { JobListRow, TraceLinkModel } from '../job-rows';
import { isLong, PayloadPreview } from './PayloadPreview';
import type { VirtualRowProps } from './VirtualList';

export interface JobListItemProps {
  job: JobListRow;
  showQueue: boolean;
  /** Payload and error shown in full. */
  expanded: boolean;
  onToggle: () => void;
  /** Logs of the job's trace (built from the data source settings) when the frame has none. */
  logs?: TraceLinkModel;
  timeZone?: string;
  row: VirtualRowProps;
}

/** A plain anchor: works inside and outside Grafana's router (Explore reloads fine). */
function ExploreLink({
  link,
  label,
  name,
  testId,
  className,
}: {
  link: TraceLinkModel;
  label: string;
  name: string;
  testId: string;
  className: string;
}) {
  return (
    <a
      href={link.href}
      target={link.target}
      rel={link.target === '_blank' ? 'noopener noreferrer' : undefined}
      className={className}
      title={link.title}
      aria-label={name}
      data-testid={testId}
    >
      {label}
    </a>
  );
}

/** One job: id, name, attempts, times, error, stack trace, payload preview and links to its trace and logs. */
export function JobListItem({ job, showQueue, expanded, onToggle, logs, timeZone, row }: JobListItemProps) {
  const styles = useStyles2(getStyles);
  const [stackOpen, setStackOpen] = useState(false);
  const logsLink = job.logs ?? logs;
  const canExpand = isLong(job.payload) || isLong(job.error);
  const detailsId = `jobscope-job-${row['data-index']}-details`;
  const stackId = `jobscope-job-${row['data-index']}-stack`;
  const time = (ms: number) => dateTimeFormat(ms, { timeZone });
  return (
    <li {...row} className={styles.item} data-testid="jobscope-job" data-job-id={job.id}>
      <div className={styles.head}>
        <span className={styles.id} title={job.id}>
          {job.id}
        </span>
        {job.name && <span className={styles.name}>{job.name}</span>}
        {showQueue && <span className={styles.muted}>{job.queue}</span>}
        {job.attempts !== undefined && (
          <span className={styles.muted}>{`${job.attempts} attempt${job.attempts === 1 ? '' : 's'}`}</span>
        )}
        {job.traceId && (job.trace || logsLink) && (
          <span className={styles.links}>
            {job.trace && (
              <ExploreLink
                link={job.trace}
                label="Trace"
                name={`Trace ${job.traceId} (${job.trace.title})`}
                testId="jobscope-trace-link"
                className={styles.link}
              />
            )}
            {logsLink && (
              <ExploreLink
                link={logsLink}
                label="Logs"
                name={`Logs of trace ${job.traceId}`}
                testId="jobscope-logs-link"
                className={styles.link}
              />
            )}
          </span>
        )}
      </div>
      {(job.created !== undefined || job.finished !== undefined) && (
        <div className={styles.times} data-testid="jobscope-job-times">
          {job.created !== undefined && <span>{`created ${time(job.created)}`}</span>}
          {job.finished !== undefined && <span>{`finished ${time(job.finished)}`}</span>}
        </div>
      )}
      <div id={detailsId}>
        {job.error && (
          <div
            className={cx(styles.error, expanded ? styles.errorFull : styles.errorShort)}
            title={expanded ? undefined : job.error}
            data-testid="jobscope-error"
          >
            {job.error}
          </div>
        )}
        {job.payload !== undefined && (
          <PayloadPreview
            payload={job.payload}
            bytes={job.payloadBytes}
            truncated={job.payloadTruncated}
            kind={job.payloadKind}
            open={expanded}
          />
        )}
      </div>
      {stackOpen && job.stacktrace && (
        <pre
          id={stackId}
          className={styles.stack}
          data-testid="jobscope-stacktrace"
          tabIndex={0}
          aria-label="Stack trace"
        >
          {job.stacktrace}
        </pre>
      )}
      <div className={styles.buttons}>
        {canExpand && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            onClick={onToggle}
            aria-expanded={expanded}
            aria-controls={detailsId}
          >
            {expanded ? 'Show less' : 'Show all'}
          </Button>
        )}
        {job.stacktrace && (
          <Button
            size="sm"
            variant="secondary"
            fill="text"
            onClick={() => setStackOpen((o) => !o)}
            aria-expanded={stackOpen}
            aria-controls={stackId}
          >
            {stackOpen ? 'Hide stack trace' : 'Stack trace'}
          </Button>
        )}
      </div>
    </li>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  item: css({
    listStyle: 'none',
    padding: theme.spacing(0.75, 1),
    borderBottom: `1px solid ${theme.colors.border.weak}`,
    minWidth: 0,
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: -2 },
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
  times: css({
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0, 1.5),
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  links: css({
    marginLeft: 'auto',
    display: 'flex',
    gap: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  link: css({ color: theme.colors.text.link, '&:hover': { textDecoration: 'underline' } }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize }),
  errorShort: css({ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  errorFull: css({ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxHeight: 240, overflow: 'auto' }),
  stack: css({
    margin: theme.spacing(0.5, 0, 0),
    padding: theme.spacing(0.5),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    whiteSpace: 'pre',
    overflow: 'auto',
    maxHeight: 240,
  }),
  buttons: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), marginTop: theme.spacing(0.25) }),
});
