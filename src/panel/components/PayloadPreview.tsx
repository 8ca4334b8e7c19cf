import React from 'react';
import { css } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

export const PREVIEW_CHARS = 120;

export interface PayloadPreviewProps {
  payload: string;
  /** Full size in the store, when known. */
  bytes?: number;
  /** The data source cut the payload at its payload limit. */
  truncated: boolean;
  /** Show all the data source sent (the row's "Show all" toggle), else one short line. */
  open: boolean;
  id?: string;
}

const formatBytes = (n: number) => formattedValueToString(getValueFormat('bytes')(n));

/** Needs a "Show all": longer than the preview, or on several lines. */
export const isLong = (text: string | undefined) => text !== undefined && (text.length > PREVIEW_CHARS || text.includes('\n'));

/** A payload cut to one short line, or all of it when the row is expanded. */
export function PayloadPreview({ payload, bytes, truncated, open, id }: PayloadPreviewProps) {
  const styles = useStyles2(getStyles);
  const long = payload.length > PREVIEW_CHARS;
  const shown = open || !long ? payload : `${payload.slice(0, PREVIEW_CHARS)}…`;
  return (
    <div className={styles.wrap}>
      <pre id={id} className={open ? styles.full : styles.short} data-testid="jobscope-payload" tabIndex={open ? 0 : undefined}>
        {shown}
      </pre>
      {truncated && (
        <div className={styles.meta}>{`cut by the data source${bytes !== undefined ? ` (${formatBytes(bytes)} in total)` : ''}`}</div>
      )}
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
    meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  };
};
