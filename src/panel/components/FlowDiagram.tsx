import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2, ThresholdsConfig } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';

import type { FlowCounts } from '../flow-counts';
import { layoutFlow, type NodeBox } from '../flow-layout';
import type { FlowGraph } from '../flow-model';
import type { FlowRates } from '../flow-rates';
import { routeEdges } from '../flow-routes';
import { textWidth } from '../text-fit';
import { formatCount, formatRate } from '../format';
import { fitHeadline, headlineParts } from '../headline';
import { nodeColor } from '../node-color';
import { FlowBridge, FlowEdge } from './FlowEdge';
import { FlowNode } from './FlowNode';

/** Height of the band above the diagram: the headline on the left, the alert bell on the right. */
export const TOP_BAND = 24;
/** Room the bell takes at the band's right end. */
export const BELL_ROOM = 32;
const HEADLINE_SIZE = 12;

export interface FlowDiagramProps {
  graph: FlowGraph;
  counts: FlowCounts;
  rates: FlowRates;
  width: number;
  height: number;
  /** Queues with waiting work and no live worker. */
  idleQueues: string[];
  thresholds?: ThresholdsConfig;
  selected?: string;
  label: string;
  markerId: string;
  /** The bell sits in the band's right end. */
  bell: boolean;
  onSelect: (id: string) => void;
}

interface Note {
  note: string;
  title: string;
  alarm: boolean;
}

function noteFor(box: NodeBox, counts: FlowCounts, idleQueues: string[], stalledDrawn: boolean): Note | undefined {
  const { tone, metrics } = box.node;
  if (tone === 'waiting' && metrics.includes('wait') && idleQueues.length > 0) {
    return { note: 'no worker', title: `no live worker for ${idleQueues.join(', ')}`, alarm: true };
  }
  if (tone === 'running' && (counts.stalled ?? 0) > 0 && !stalledDrawn) {
    return {
      note: `${formatCount(counts.stalled!)} stalled`,
      title: `${counts.stalled} stalled (worker gone)`,
      alarm: true,
    };
  }
  if (tone === 'waiting' && metrics.includes('wait') && counts.queue_paused) {
    return { note: 'paused', title: 'queue paused', alarm: false };
  }
  return undefined;
}

/** The life cycle as an SVG sized exactly to its box (no scaling: text stays readable). */
export function FlowDiagram(props: FlowDiagramProps) {
  const { graph, counts, rates, width, height, idleQueues, thresholds, selected, label, markerId, bell, onSelect } =
    props;
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const layout = useMemo(() => layoutFlow(graph, counts, width, height, TOP_BAND), [graph, counts, width, height]);
  const byId = Object.fromEntries(layout.nodes.map((b) => [b.node.id, b]));
  // A life cycle with a stalled state of its own shows stalled jobs there, not as a note.
  const stalledDrawn = graph.nodes.some((n) => n.metrics.includes('stalled'));
  const notes = layout.nodes.map((box) => noteFor(box, counts, idleQueues, stalledDrawn));
  // The notes drawn under states, which arrows must keep clear of.
  const noteKey = notes.map((n) => n?.note ?? '').join('|');
  // Arrows depend on where the boxes and notes are, nothing else: every refresh's counts make a
  // new layout object, so routing (tens of ms a diagram) reruns only when a box or note moves.
  const { grid, width: gw, height: gh, top } = layout;
  const boxesKey =
    `${gw}x${gh}+${top} ${grid.x0},${grid.y0},${grid.cellW},${grid.cellH},${grid.cols},${grid.rows} ` +
    layout.nodes.map((b) => `${b.node.id}:${b.x},${b.y},${b.w},${b.h}`).join(';');
  // The graph too is made anew from each refresh's counts; its arrows are the catalogue's transitions.
  const edgesKey = graph.edges.map((e) => `${e.from}>${e.to}${e.back ? '<' : ''}:${e.rate ?? ''}`).join(',');
  const { routes, bridges } = useMemo(() => {
    const size = layout.noteSize;
    const obstacles = size
      ? layout.nodes.flatMap((box, i) => {
          const note = noteKey.split('|')[i];
          return note
            ? [{ x: box.x, y: box.y + box.h / 2 + size * 0.75, w: textWidth(note, size) + 4, h: size * 1.5 }]
            : [];
        })
      : [];
    return routeEdges(layout, graph.edges, obstacles);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the keys spell out all of layout, notes and edges that routing reads
  }, [boxesKey, layout.noteSize, edgesKey, noteKey]);
  const headline = fitHeadline(headlineParts(counts), width - 12 - (bell ? BELL_ROOM : 0), HEADLINE_SIZE);
  const rateSize = Math.max(10, Math.min(13, layout.nodes[0]?.h * 0.16 || 10));

  return (
    <div className={styles.wrap} style={{ width, height }}>
      {headline.length > 0 && (
        <div
          className={styles.headline}
          style={{ maxWidth: width - 12 - (bell ? BELL_ROOM : 0) }}
          data-testid="jobscope-flow-headline"
        >
          {headline.map((p, i) => (
            <span
              key={p.id}
              data-testid={`jobscope-flow-headline-${p.id}`}
              className={p.alarm ? styles.alarm : undefined}
            >
              {i > 0 ? ' · ' : ''}
              {p.text}
            </span>
          ))}
        </div>
      )}
      <svg
        data-testid="jobscope-flow"
        data-graph={graph.key}
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
        {routes.map(({ edge: e, points }) => (
          <FlowEdge
            key={`${e.from}-${e.to}`}
            from={byId[e.from]}
            to={byId[e.to]}
            points={points}
            back={e.back}
            markerId={markerId}
            rate={e.rate && rates[e.rate] !== undefined ? formatRate(rates[e.rate]!) : undefined}
            rateSize={rateSize}
          />
        ))}
        {bridges.map((b, i) => (
          <FlowBridge key={i} points={b.points} back={b.over.edge.back} />
        ))}
        {layout.nodes.map((box, i) => {
          const note = notes[i];
          return (
            <FlowNode
              key={box.node.id}
              box={box}
              color={nodeColor(theme, box.node, box.count, thresholds)}
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
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ position: 'relative', flex: 'none' }),
  headline: css({
    position: 'absolute',
    top: 0,
    left: 6,
    height: TOP_BAND,
    lineHeight: `${TOP_BAND}px`,
    fontSize: HEADLINE_SIZE,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
    fontVariantNumeric: 'tabular-nums',
  }),
  alarm: css({ color: theme.colors.warning.text, fontWeight: theme.typography.fontWeightMedium }),
  svg: css({ display: 'block', fontFamily: theme.typography.fontFamily, overflow: 'hidden' }),
  arrow: css({ fill: theme.colors.text.secondary }),
});
