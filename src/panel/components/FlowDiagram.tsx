import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, ThresholdsConfig } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import type { FlowCounts } from '../flow-counts';
import { layoutFlow } from '../flow-layout';
import { nodeCount, type FlowGraph, type FlowNodeDef } from '../flow-model';
import { formatCount } from '../format';
import { nodeColor } from '../node-color';
import { FlowEdge } from './FlowEdge';
import { FlowNode } from './FlowNode';

export interface FlowDiagramProps {
  graph: FlowGraph;
  counts: FlowCounts;
  width: number;
  height: number;
  /** Queues with waiting work and no live worker. */
  idleQueues: string[];
  thresholds?: ThresholdsConfig;
  selected?: string;
  label: string;
  markerId: string;
  onSelect: (id: string) => void;
}

interface Note {
  note: string;
  title: string;
  alarm: boolean;
}

function noteFor(node: FlowNodeDef, counts: FlowCounts, idleQueues: string[]): Note | undefined {
  if (node.id === 'wait' && idleQueues.length > 0) {
    return { note: 'no worker', title: `no live worker for ${idleQueues.join(', ')}`, alarm: true };
  }
  if (node.id === 'active' && (counts.stalled ?? 0) > 0) {
    return { note: `${formatCount(counts.stalled!)} stalled`, title: `${counts.stalled} stalled (worker gone)`, alarm: true };
  }
  if (node.id === 'wait' && counts.queue_paused) {
    return { note: 'paused', title: 'queue paused', alarm: false };
  }
  return undefined;
}

/** The life cycle as an SVG sized exactly to its box (no scaling: text stays readable). */
export function FlowDiagram(props: FlowDiagramProps) {
  const { graph, counts, width, height, idleQueues, thresholds, selected, label, markerId, onSelect } = props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const layout = useMemo(() => layoutFlow(graph, width, height), [graph, width, height]);
  const byId = Object.fromEntries(layout.nodes.map((b) => [b.node.id, b]));

  return (
    <svg
      data-testid="jobscope-flow"
      data-family={graph.family}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="group"
      aria-label={label}
      className={styles.svg}
    >
      <defs>
        <marker id={markerId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" className={styles.arrow} />
        </marker>
      </defs>
      {graph.edges.map((e) => (
        <FlowEdge key={`${e.from}-${e.to}`} from={byId[e.from]} to={byId[e.to]} back={e.back} markerId={markerId} />
      ))}
      {layout.nodes.map((box) => {
        const count = nodeCount(counts, box.node);
        const note = noteFor(box.node, counts, idleQueues);
        return (
          <FlowNode
            key={box.node.id}
            box={box}
            count={count}
            color={nodeColor(theme, box.node, count, thresholds)}
            selected={selected === box.node.id}
            note={note?.note}
            noteTitle={note?.title}
            alarm={note?.alarm}
            noteSize={layout.noteSize}
            onSelect={onSelect}
          />
        );
      })}
    </svg>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  svg: css({ display: 'block', fontFamily: theme.typography.fontFamily, overflow: 'hidden' }),
  arrow: css({ fill: theme.colors.text.secondary }),
});
