import React, { useState } from 'react';
import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';

export const PREVIEW_CHARS = 120;

export interface PayloadPreviewProps {
  payload: string;
  /** Full size in the store, when known. */
  bytes?: number;
  /** The data source cut the payload at its payload limit. */
  truncated: boolean;
}

const formatBytes = (n: number) => formattedValueToString(getValueFormat('bytes')(n));

/** A payload cut to one short line, with a toggle to read all the data source sent. */
export function PayloadPreview({ payload, bytes, truncated }: PayloadPreviewProps) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(false);
  const long = payload.length > PREVIEW_CHARS;
  const shown = open || !long ? payload : `${payload.slice(0, PREVIEW_CHARS)}…`;
  return (
    <div className={styles.wrap}>
      <pre className={open ? styles.full : styles.short} data-testid="jobscope-payload">
        {shown}
      </pre>
      <div className={styles.meta}>
        {long && (
          <Button size="sm" variant="secondary" fill="text" onClick={() => setOpen(!open)} aria-expanded={open}>
            {open ? 'Show less' : 'Show all'}
          </Button>
        )}
        {truncated && <span>{`cut by the data source${bytes !== undefined ? ` (${formatBytes(bytes)} in total)` : ''}`}</span>}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => {
  const pre = {
    margin: 0,
    padding: theme.spacing(0.5),
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.canvas,
    borderRadius: theme.shape.radius.default,
    border: 'none',
    maxWidth: '100%',
  };
  return {
    wrap: css({ minWidth: 0 }),
    short: css({ ...pre, whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' }),
    full: css({ ...pre, whiteSpace: 'pre-wrap', wordBreak: 'break-all', maxHeight: 240, overflow: 'auto' }),
    meta: css({
      display: 'flex',
      alignItems: 'center',
      gap: theme.spacing(1),
      color: theme.colors.text.secondary,
      fontSize: theme.typography.bodySmall.fontSize,
    }),
  };
};
