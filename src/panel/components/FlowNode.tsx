import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import type { NodeBox } from '../flow-layout';
import { formatExact } from '../format';

export interface FlowNodeProps {
  box: NodeBox;
  color: string;
  selected: boolean;
  /** Short warning shown under the node (e.g. "2 stalled", "no worker"). */
  note?: string;
  noteTitle?: string;
  /** Font size of the note; undefined: no room, the note lives in the tooltip only. */
  noteSize?: number;
  /** Marks the node itself as in trouble (dashed border). */
  alarm?: boolean;
  onSelect: (id: string) => void;
}

/** One state of the life cycle: label, count, optional warning note; a button that lists its jobs. */
export function FlowNode({ box, color, selected, note, noteTitle, noteSize, alarm, onSelect }: FlowNodeProps) {
  const styles = useStyles2(getStyles);
  const { node, x, y, w, h, count, label, countText } = box;
  const exact = !countText
    ? 'not counted'
    : count === undefined
      ? 'no data'
      : node.status
        ? count
          ? 'yes'
          : 'no'
        : formatExact(count);
  const listable = node.jobStates.length > 0;
  const select = () => onSelect(node.id);
  const name = `${node.label}: ${exact}${note ? `, ${note}` : ''}${noteTitle && noteTitle !== note ? ` (${noteTitle})` : ''}`;
  // Label above the centre line, count below; one line (the count) when the node is low.
  const countY = countText && (label ? y + h * 0.08 + countText.size * 0.36 : y + countText.size * 0.36);
  const labelY = countText ? y - h * 0.12 - (label?.size ?? 0) * 0.1 : y + (label?.size ?? 0) * 0.36;
  const ring = 4;
  return (
    <g
      data-testid={`jobscope-flow-node-${node.id}`}
      data-count={count ?? ''}
      data-tone={node.tone}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${name}. ${listable ? 'Show jobs' : 'Its jobs cannot be listed'}`}
      className={styles.node}
      onClick={select}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select();
        }
      }}
    >
      <title>{`${name} — ${node.description}`}</title>
      {/* Grafana's focus ring (styleMixins.getFocusStyles: a canvas-coloured gap, then primary.main), drawn in SVG. */}
      <rect
        x={x - w / 2 - ring}
        y={y - h / 2 - ring}
        width={w + 2 * ring}
        height={h + 2 * ring}
        rx={Math.min(8, h / 5)}
        className={styles.ring}
      />
      <rect
        x={x - w / 2}
        y={y - h / 2}
        width={w}
        height={h}
        rx={Math.min(6, h / 6)}
        className={styles.box}
        stroke={color}
        strokeWidth={selected ? 3 : 1.5}
        strokeDasharray={alarm ? '4 3' : undefined}
      />
      {label && (
        <text data-role="label" x={x} y={labelY} textAnchor="middle" fontSize={label.size} className={styles.label}>
          {label.text}
        </text>
      )}
      {countText && (
        <text
          data-role="count"
          x={x}
          y={countY}
          textAnchor="middle"
          fontSize={countText.size}
          className={styles.count}
          style={{ fill: count === undefined ? undefined : color }}
        >
          {countText.text}
        </text>
      )}
      {note && noteSize && (
        <text
          data-testid={`jobscope-flow-note-${node.id}`}
          x={x}
          y={y + h / 2 + noteSize * 1.15}
          textAnchor="middle"
          fontSize={noteSize}
          className={styles.note}
        >
          {note}
        </text>
      )}
    </g>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  node: css({
    cursor: 'pointer',
    outline: 'none',
    '&:focus-visible > rect:first-of-type': { stroke: theme.colors.primary.main, strokeWidth: 2 },
    '&:hover > rect:nth-of-type(2)': { fill: theme.colors.action.hover },
  }),
  ring: css({ fill: 'none', stroke: 'none' }),
  box: css({ fill: theme.colors.background.secondary }),
  label: css({ fill: theme.colors.text.secondary }),
  count: css({
    fill: theme.colors.text.disabled,
    fontWeight: theme.typography.fontWeightMedium,
    fontVariantNumeric: 'tabular-nums',
  }),
  note: css({ fill: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
});
