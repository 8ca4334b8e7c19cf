import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { borderPoint, type NodeBox } from '../flow-layout';
import { textWidth } from '../text-fit';

export interface FlowEdgeProps {
  from: NodeBox;
  to: NodeBox;
  /** A way back (retry): dashed, curving under the main line. */
  back?: boolean;
  markerId: string;
  /** Throughput on this edge ("12/min"); dropped when the edge is too short for it. */
  rate?: string;
  rateSize: number;
}

/** Where a ray from (px, py), a point inside box `b`, along (dx, dy) leaves the box. */
function exitPoint(b: NodeBox, px: number, py: number, dx: number, dy: number): [number, number] {
  const tx = dx > 0 ? (b.x + b.w / 2 - px) / dx : dx < 0 ? (b.x - b.w / 2 - px) / dx : Infinity;
  const ty = dy > 0 ? (b.y + b.h / 2 - py) / dy : dy < 0 ? (b.y - b.h / 2 - py) / dy : Infinity;
  const t = Math.min(tx, ty);
  return [px + dx * t, py + dy * t];
}

/** An arrow between two states; a way back curves below the row it returns to. */
export function FlowEdge({ from, to, back, markerId, rate, rateSize }: FlowEdgeProps) {
  const styles = useStyles2(getStyles);
  const testId = `jobscope-flow-edge-${from.node.id}-${to.node.id}`;
  if (back) {
    // Between rows: from the near quarter of one box's edge to the near quarter of the other's,
    // beside the forward arrow. In one row: out of the bottom of both, dipping below them.
    const toward = Math.sign(to.x - from.x) || 1;
    let d: string;
    if (Math.abs(from.y - to.y) > 1) {
      // Parallel to the forward arrow between the same boxes, shifted to one side of it.
      const dx = to.x - from.x;
      const dy = to.y - from.y;
      const len = Math.hypot(dx, dy) || 1;
      const shift = Math.min(from.h, from.w) / 4;
      const [nx, ny] = [(-dy / len) * shift * toward, (dx / len) * shift * toward];
      const [x1, y1] = exitPoint(from, from.x + nx, from.y + ny, dx, dy);
      const [x2, y2] = exitPoint(to, to.x + nx, to.y + ny, -dx, -dy);
      d = `M${x1},${y1} L${x2},${y2}`;
    } else {
      const x1 = from.x;
      const y1 = from.y + from.h / 2;
      const x2 = to.x;
      const y2 = to.y + to.h / 2;
      const dip = Math.max(y1, y2) + Math.min(from.h * 0.35, 24);
      d = `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`;
    }
    return <path data-testid={testId} d={d} className={styles.back} markerEnd={`url(#${markerId})`} />;
  }
  const [x1, y1] = borderPoint(from, to.x, to.y);
  const [x2, y2] = borderPoint(to, from.x, from.y);
  const length = Math.hypot(x2 - x1, y2 - y1);
  const labelW = rate ? textWidth(rate, rateSize) + 6 : 0;
  const showRate = rate && length >= labelW + 12;
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  return (
    <g data-testid={testId}>
      <line x1={x1} y1={y1} x2={x2} y2={y2} className={styles.line} markerEnd={`url(#${markerId})`} />
      {showRate && (
        <g data-testid={`${testId}-rate`}>
          <rect
            x={mx - labelW / 2}
            y={my - rateSize * 0.75}
            width={labelW}
            height={rateSize * 1.5}
            rx={3}
            className={styles.rateBox}
          />
          <text x={mx} y={my + rateSize * 0.35} textAnchor="middle" fontSize={rateSize} className={styles.rate}>
            {rate}
          </text>
        </g>
      )}
    </g>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.5 }),
  back: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.25, strokeDasharray: '4 3', fill: 'none' }),
  rateBox: css({ fill: theme.colors.background.primary }),
  rate: css({ fill: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
