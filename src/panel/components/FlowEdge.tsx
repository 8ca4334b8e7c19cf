import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { borderPoint, type NodeBox } from '../flow-layout';

export interface FlowEdgeProps {
  from: NodeBox;
  to: NodeBox;
  /** A way back (retry): dashed, curving under the main line. */
  back?: boolean;
  markerId: string;
}

/** An arrow between two states; a way back curves below the row it returns to. */
export function FlowEdge({ from, to, back, markerId }: FlowEdgeProps) {
  const styles = useStyles2(getStyles);
  const testId = `jobscope-flow-edge-${from.node.id}-${to.node.id}`;
  if (back) {
    // Leave from the left side of `from`, arrive at the bottom of `to`.
    const x1 = from.x - from.w / 2;
    const y1 = from.y;
    const x2 = to.x;
    const y2 = to.y + to.h / 2;
    const d = `M${x1},${y1} C${(x1 + x2) / 2},${y1} ${x2},${(y1 + y2) / 2 + from.h * 0.2} ${x2},${y2}`;
    return <path data-testid={testId} d={d} className={styles.back} markerEnd={`url(#${markerId})`} />;
  }
  const [x1, y1] = borderPoint(from, to.x, to.y);
  const [x2, y2] = borderPoint(to, from.x, from.y);
  return <line data-testid={testId} x1={x1} y1={y1} x2={x2} y2={y2} className={styles.line} markerEnd={`url(#${markerId})`} />;
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.5 }),
  back: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.25, strokeDasharray: '4 3', fill: 'none' }),
});
