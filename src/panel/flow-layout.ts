/**
 * Places a flow graph in a pixel box: one grid cell per (col, row) below a headline band,
 * nodes centred in their cells and grown with the panel (a 1440×900 panel gets large nodes,
 * not a small island). Each node's count and label are fitted to the node: the most complete
 * form that fits at a readable size (exact count, then Grafana's short format), shrinking the
 * font only down to a minimum; a label that still does not fit is cut with an ellipsis, and
 * parts that cannot be shown readably (notes under nodes, the label of a node too low for two
 * lines) are dropped from the drawing and kept in the node's tooltip and accessible name.
 */
import type { FlowCounts } from './flow-counts';
import { nodeCount, type FlowGraph, type FlowNodeDef } from './flow-model';
import { countCandidates } from './format';
import { ellipsize, fitText, type FittedText } from './text-fit';

export interface NodeBox {
  node: FlowNodeDef;
  count: number | undefined;
  /** centre */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Undefined when the node is too small for a label line (the tooltip keeps it). */
  label?: FittedText;
  /** Undefined for a state drawn without a count (its store keeps none: RabbitMQ's acked). */
  countText?: FittedText;
}

export interface FlowLayout {
  nodes: NodeBox[];
  /** Font size of the notes under nodes (stalled, no worker); undefined: no room, notes dropped. */
  noteSize?: number;
  /** Height of the band above the diagram holding the headline and the alert bell. */
  top: number;
  /** The grid the nodes sit on (left, top, cell size), whose gaps the arrows are routed through. */
  grid: { x0: number; y0: number; cellW: number; cellH: number; cols: number; rows: number };
  width: number;
  height: number;
}

export const MIN_LABEL = 10;
export const MIN_COUNT = 11;
const MIN_NOTE = 10;
const MARGIN = 6;
const PAD = 6;
const MAX_W = 260;
const MAX_H = 130;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export function layoutFlow(
  graph: FlowGraph,
  counts: FlowCounts,
  width: number,
  height: number,
  top: number
): FlowLayout {
  const areaH = Math.max(1, height - top - MARGIN);
  const cellW = Math.max(1, (width - 2 * MARGIN) / graph.cols);
  const cellH = Math.max(1, areaH / Math.max(graph.rows, 1));
  // Nodes take most of their cell, leaving room for arrows and the notes under them.
  // Small cells give more of their width to the node (short arrows still read as arrows).
  const w = Math.min(MAX_W, cellW * (cellW < 90 ? 0.86 : 0.76));
  const h = Math.min(MAX_H, cellH * 0.7, Math.max(w * 0.75, 40));
  const x0 = MARGIN + (width - 2 * MARGIN - cellW * graph.cols) / 2;
  const y0 = top + (areaH - cellH * graph.rows) / 2;
  const gap = cellH - h;
  const inner = w - 2 * (w < 60 ? PAD / 2 : PAD);
  const nodes = graph.nodes.map((node): NodeBox => {
    const count = nodeCount(counts, node);
    const counted = node.metrics.length > 0;
    const twoLines = !counted || h >= 34;
    const countMax = clamp(twoLines ? h * 0.42 : h * 0.6, MIN_COUNT, 44);
    const shown = count === undefined ? ['–'] : node.status ? [count ? 'yes' : 'no'] : countCandidates(count);
    const countText = !counted
      ? undefined
      : (fitText(shown, inner, countMax, MIN_COUNT) ??
          // Nothing fits at the minimum (a node under ~45 px wide): the shortest form, at the minimum.
          { text: shown[shown.length - 1], size: MIN_COUNT });
    let label: FittedText | undefined;
    if (twoLines) {
      const labelMax = clamp(counted ? h * 0.2 : h * 0.26, MIN_LABEL, counted ? 18 : 20);
      const fitted = fitText([node.label], inner, labelMax, MIN_LABEL);
      const cut = fitted ? undefined : ellipsize(node.label, inner, MIN_LABEL);
      label = fitted ?? (cut ? { text: cut, size: MIN_LABEL } : undefined);
    }
    return {
      node,
      count,
      x: x0 + cellW * (node.col + 0.5),
      y: y0 + cellH * (node.row + 0.5),
      w,
      h,
      label,
      countText,
    };
  });
  const noteSize = gap / 2 >= MIN_NOTE * 1.2 ? clamp(gap * 0.3, MIN_NOTE, 14) : undefined;
  const grid = { x0, y0, cellW, cellH, cols: graph.cols, rows: Math.max(graph.rows, 1) };
  return { nodes, noteSize, top, grid, width, height };
}
