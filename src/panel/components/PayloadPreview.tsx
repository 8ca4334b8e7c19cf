import React, { useMemo, useState } from 'react';
import { css, cx } from '@emotion/css';
import { formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { Button, useStyles2 } from '@grafana/ui';

export const PREVIEW_CHARS = 120;
/** Expanded, a payload shows this much first; the rest on demand, one chunk at a time. */
export const CHUNK_CHARS = 32 * 1024;
/** Larger JSON is shown as sent (pretty-printing would re-flow megabytes in the browser). */
const PRETTY_MAX = 512 * 1024;

export interface PayloadPreviewProps {
  payload: string;
  /** Full size in the store, when known. */
  bytes?: number;
  /** The data source cut the payload at its payload limit. */
  truncated: boolean;
  /** The backend's payload_kind: json, text, pickle, marshal, binary (the last three sent as hex). */
  kind?: string;
  /** Show all the data source sent (the row's "Show all" toggle), else one short line. */
  open: boolean;
}

const formatBytes = (n: number) => formattedValueToString(getValueFormat('bytes')(n));

/** What the shown text is: hex is never decoded (a pickle could run code), only labelled. */
export function kindLabel(kind: string | undefined): string | undefined {
  switch (kind) {
    case 'json':
      return 'JSON';
    case 'text':
      return 'text';
    case 'pickle':
      return 'hex of pickled payload (not decoded)';
    case 'marshal':
      return 'hex of marshalled payload (not decoded)';
    case 'binary':
      return 'hex of binary payload';
    default:
      return undefined;
  }
}

const isHex = (kind: string | undefined) => kind === 'pickle' || kind === 'marshal' || kind === 'binary';

/** JSON indented by two spaces; the text as is when it is not (whole) JSON or too large. */
export function prettyJson(text: string): string {
  if (text.length > PRETTY_MAX) {
    return text;
  }
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text; // cut by the payload limit, or not JSON after all
  }
}

/** Needs a "Show all": longer than the preview, or on several lines. */
export const isLong = (text: string | undefined) =>
  text !== undefined && (text.length > PREVIEW_CHARS || text.includes('\n'));

/**
 * A payload cut to one short line, or, expanded, its first 32 KB (JSON pretty-printed) with
 * the rest shown on demand a chunk at a time (scrolling to the end of the box, or the button),
 * so a 2 MB payload never lays out at once.
 */
export function PayloadPreview({ payload, bytes, truncated, kind, open }: PayloadPreviewProps) {
  const styles = useStyles2(getStyles);
  const text = useMemo(() => (open && kind === 'json' ? prettyJson(payload) : payload), [open, kind, payload]);
  const [chunks, setChunks] = useState(1);
  const label = kindLabel(kind);
  const long = payload.length > PREVIEW_CHARS;
  const shownChars = Math.min(text.length, chunks * CHUNK_CHARS);
  const shown = open ? text.slice(0, shownChars) : long ? `${payload.slice(0, PREVIEW_CHARS)}…` : payload;
  const rest = text.length - shownChars;
  return (
    <div className={styles.wrap}>
      {(label || truncated) && (
        <div className={styles.meta} data-testid="jobscope-payload-kind">
          {[
            label,
            truncated
              ? `cut by the data source${bytes !== undefined ? ` (${formatBytes(bytes)} in total)` : ''}`
              : undefined,
          ]
            .filter(Boolean)
            .join(' · ')}
        </div>
      )}
      <pre
        className={cx(open ? styles.full : styles.short, isHex(kind) && styles.hex)}
        data-testid="jobscope-payload"
        data-kind={kind ?? ''}
        tabIndex={open ? 0 : undefined}
        // Scrolling near the end of what is shown brings the next chunk (the button does it by keyboard).
        onScroll={
          open && rest > 0
            ? (e) => {
                const el = e.currentTarget;
                if (el.scrollTop + el.clientHeight >= el.scrollHeight - 200) {
                  setChunks((c) => (c * CHUNK_CHARS < text.length ? c + 1 : c));
                }
              }
            : undefined
        }
        aria-label={open ? `Payload${label ? `, ${label}` : ''}` : undefined}
      >
        {shown}
      </pre>
      {open && rest > 0 && (
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          onClick={() => setChunks((c) => c + 1)}
          data-testid="jobscope-payload-more"
        >
          {`Show ${formatBytes(Math.min(rest, CHUNK_CHARS))} more (${formatBytes(rest)} left)`}
        </Button>
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
    // Break words only when one does not fit a line (JSON keeps its words whole).
    full: css({ ...pre, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere', maxHeight: 320, overflow: 'auto' }),
    hex: css({ wordBreak: 'break-all' }),
    meta: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  };
};
