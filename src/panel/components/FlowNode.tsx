import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import type { NodeBox } from '../flow-layout';
import { formatCount } from '../format';

export interface FlowNodeProps {
  box: NodeBox;
  count: number | undefined;
  color: string;
  selected: boolean;
  /** Short warning shown under the node (e.g. "2 stalled", "no worker"). */
  note?: string;
  noteTitle?: string;
  noteSize: number;
  /** Marks the node itself as in trouble (dashed border). */
  alarm?: boolean;
  onSelect: (id: string) => void;
}

/** One state of the life cycle: label, count, optional warning note; a button that lists its jobs. */
export function FlowNode({ box, count, color, selected, note, noteTitle, noteSize, alarm, onSelect }: FlowNodeProps) {
  const styles = useStyles2(getStyles);
  const { node, x, y, w, h } = box;
  const shown = count === undefined ? '–' : formatCount(count);
  const select = () => onSelect(node.id);
  return (
    <g
      data-testid={`jobscope-flow-node-${node.id}`}
      data-count={count ?? ''}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${node.label}: ${count === undefined ? 'no data' : count}${note ? `, ${note}` : ''}. Show jobs`}
      className={styles.node}
      onClick={select}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          select();
        }
      }}
    >
      <title>{`${node.label}: ${count === undefined ? 'no data' : count}${noteTitle ? ` — ${noteTitle}` : ''}`}</title>
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
      <text x={x} y={y - h * 0.14} textAnchor="middle" fontSize={box.labelSize} className={styles.label}>
        {node.label}
      </text>
      <text
        x={x}
        y={y + h * 0.1 + box.countSize * 0.55}
        textAnchor="middle"
        fontSize={box.countSize}
        className={styles.count}
        style={{ fill: count === undefined ? undefined : color }}
      >
        {shown}
      </text>
      {note && (
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
    '&:focus-visible rect': { strokeWidth: 3 },
  }),
  box: css({ fill: theme.colors.background.secondary }),
  label: css({ fill: theme.colors.text.secondary }),
  count: css({ fill: theme.colors.text.disabled, fontWeight: theme.typography.fontWeightMedium }),
  note: css({ fill: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
});
