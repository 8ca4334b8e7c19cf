import React from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import type { NodeBox } from '../flow-layout';
import { labelSpot, type Point } from '../flow-routes';
import { textWidth } from '../text-fit';

export interface FlowEdgeProps {
  from: NodeBox;
  to: NodeBox;
  /** The route from flow-routes.ts: from the border of `from` to the border of `to`. */
  points: Point[];
  /** A way back (retry): dashed. */
  back?: boolean;
  markerId: string;
  /** Throughput on this edge ("12/min"); dropped when the edge is too short for it. */
  rate?: string;
  rateSize: number;
}

export const pathOf = (points: Point[]) => points.map(([x, y], i) => `${i ? 'L' : 'M'}${x},${y}`).join(' ');

/** An arrow between two states along its route; a way back is dashed. */
export function FlowEdge({ from, to, points, back, markerId, rate, rateSize }: FlowEdgeProps) {
  const styles = useStyles2(getStyles);
  const testId = `jobscope-flow-edge-${from.node.id}-${to.node.id}`;
  const labelW = rate ? textWidth(rate, rateSize) + 6 : 0;
  const spot = labelSpot(points);
  const showRate = rate && spot.room >= labelW + 12;
  const [mx, my] = spot.at;
  return (
    <g data-testid={testId}>
      <path d={pathOf(points)} className={back ? styles.back : styles.line} markerEnd={`url(#${markerId})`} />
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

/** A crossing drawn as a bridge: a gap in the background colour, then the upper arrow's stretch again. */
export function FlowBridge({ points, back }: { points: Point[]; back?: boolean }) {
  const styles = useStyles2(getStyles);
  return (
    <g data-role="bridge">
      <path d={pathOf(points)} className={styles.halo} />
      <path d={pathOf(points)} className={back ? styles.back : styles.line} />
    </g>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  line: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.5, fill: 'none' }),
  halo: css({ stroke: theme.colors.background.primary, strokeWidth: 6, fill: 'none' }),
  back: css({ stroke: theme.colors.text.secondary, strokeWidth: 1.25, strokeDasharray: '4 3', fill: 'none' }),
  rateBox: css({ fill: theme.colors.background.primary }),
  rate: css({ fill: theme.colors.text.secondary, fontVariantNumeric: 'tabular-nums' }),
});
