import React, { useMemo } from 'react';
import { formattedValueToString, getValueFormat, type GrafanaTheme2, type PanelProps } from '@grafana/data';
import { useTheme2 } from '@grafana/ui';

import { flowCounts, type FlowCounts } from '../flow-counts';
import type { FlowOptions } from '../types';

/** Diagram coordinates; the SVG scales to the panel (viewBox + meet), so this is only a ratio. */
const VIEW_W = 400;
const VIEW_H = 200;
const NODE_W = 76;
const NODE_H = 48;

type NodeId = 'delayed' | 'wait' | 'active' | 'completed' | 'failed';

interface NodeLayout {
  id: NodeId;
  label: string;
  /** centre */
  x: number;
  y: number;
}

const NODES: NodeLayout[] = [
  { id: 'delayed', label: 'Delayed', x: 48, y: 100 },
  { id: 'wait', label: 'Waiting', x: 148, y: 100 },
  { id: 'active', label: 'Active', x: 248, y: 100 },
  { id: 'completed', label: 'Completed', x: 350, y: 48 },
  { id: 'failed', label: 'Failed', x: 350, y: 152 },
];

const EDGES: Array<[NodeId, NodeId]> = [
  ['delayed', 'wait'],
  ['wait', 'active'],
  ['active', 'completed'],
  ['active', 'failed'],
];

function nodeColor(theme: GrafanaTheme2, id: NodeId): string {
  switch (id) {
    case 'delayed':
      return theme.colors.warning.main;
    case 'wait':
      return theme.colors.info.main;
    case 'active':
      return theme.colors.primary.main;
    case 'completed':
      return theme.colors.success.main;
    case 'failed':
      return theme.colors.error.main;
  }
}

const formatCount = (n: number) => formattedValueToString(getValueFormat('short')(n, n < 1000 ? 0 : undefined));

function nodeCount(counts: FlowCounts, id: NodeId): number | undefined {
  if (id === 'wait') {
    // Prioritized jobs are waiting too (BullMQ keeps them in a separate set).
    const parts = [counts.wait, counts.prioritized].filter((v): v is number => v !== undefined);
    return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
  }
  return counts[id];
}

/** Point on the border of node `n` towards (tx, ty), so arrows stop at the box edge. */
function edgePoint(n: NodeLayout, tx: number, ty: number): [number, number] {
  const dx = tx - n.x;
  const dy = ty - n.y;
  const sx = dx === 0 ? Infinity : NODE_W / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : NODE_H / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [n.x + dx * s, n.y + dy * s];
}

export function FlowPanel({ data, options, width, height, id }: PanelProps<FlowOptions>) {
  const theme = useTheme2();
  const counts = useMemo(() => flowCounts(data.series, options.queue), [data.series, options.queue]);
  const hasData = Object.keys(counts).length > 0;
  const markerId = `jobscope-flow-arrow-${id}`;

  if (!hasData) {
    return (
      <div
        data-testid="jobscope-flow-empty"
        style={{
          width,
          height,
          display: 'flex',
          alignItems: 'center',
          justifyContent: 'center',
          color: theme.colors.text.secondary,
        }}
      >
        {options.queue ? `No overview data for queue ${options.queue}` : 'No overview data'}
      </div>
    );
  }

  const byId = Object.fromEntries(NODES.map((n) => [n.id, n])) as Record<NodeId, NodeLayout>;
  const extras: string[] = [];
  if (counts.prioritized) {
    extras.push(`incl. ${formatCount(counts.prioritized)} prioritized`);
  }
  if (counts.paused) {
    extras.push(`${formatCount(counts.paused)} paused`);
  }

  return (
    <svg
      data-testid="jobscope-flow"
      width={width}
      height={height}
      viewBox={`0 0 ${VIEW_W} ${VIEW_H}`}
      preserveAspectRatio="xMidYMid meet"
      role="img"
      aria-label={options.queue ? `Job flow for queue ${options.queue}` : 'Job flow for all queues'}
      style={{ fontFamily: theme.typography.fontFamily, display: 'block' }}
    >
      <defs>
        <marker id={markerId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" fill={theme.colors.text.secondary} />
        </marker>
      </defs>
      {EDGES.map(([from, to]) => {
        const a = byId[from];
        const b = byId[to];
        const [x1, y1] = edgePoint(a, b.x, b.y);
        const [x2, y2] = edgePoint(b, a.x, a.y);
        return (
          <line
            key={`${from}-${to}`}
            x1={x1}
            y1={y1}
            x2={x2}
            y2={y2}
            stroke={theme.colors.text.secondary}
            strokeWidth={1.5}
            markerEnd={`url(#${markerId})`}
          />
        );
      })}
      {NODES.map((n) => {
        const color = nodeColor(theme, n.id);
        const count = nodeCount(counts, n.id);
        return (
          <g key={n.id} data-testid={`jobscope-flow-node-${n.id}`} data-count={count ?? ''}>
            <title>{`${n.label}: ${count === undefined ? 'no data' : count}`}</title>
            <rect
              x={n.x - NODE_W / 2}
              y={n.y - NODE_H / 2}
              width={NODE_W}
              height={NODE_H}
              rx={6}
              fill={theme.colors.background.secondary}
              stroke={color}
              strokeWidth={2}
            />
            <text x={n.x} y={n.y - 7} textAnchor="middle" fontSize={11} fill={theme.colors.text.secondary}>
              {n.label}
            </text>
            <text
              x={n.x}
              y={n.y + 14}
              textAnchor="middle"
              fontSize={18}
              fontWeight={theme.typography.fontWeightMedium}
              fill={count === undefined ? theme.colors.text.disabled : color}
            >
              {count === undefined ? '–' : formatCount(count)}
            </text>
          </g>
        );
      })}
      {extras.length > 0 && (
        <text
          data-testid="jobscope-flow-extras"
          x={byId.wait.x}
          y={byId.wait.y + NODE_H / 2 + 16}
          textAnchor="middle"
          fontSize={10}
          fill={theme.colors.text.secondary}
        >
          {extras.join(' · ')}
        </text>
      )}
    </svg>
  );
}
