/**
 * Places a flow graph in a pixel box: one grid cell per (col, row), nodes centred in their
 * cells, sizes and font sizes derived from the box so that labels fit from 300×200 up to a
 * full screen (nodes stop growing past a readable size and stay centred).
 */
import type { FlowGraph, FlowNodeDef } from './flow-model';

export interface NodeBox {
  node: FlowNodeDef;
  /** centre */
  x: number;
  y: number;
  w: number;
  h: number;
  labelSize: number;
  countSize: number;
}

export interface FlowLayout {
  nodes: NodeBox[];
  /** Font size of the small notes under nodes (stalled, no worker). */
  noteSize: number;
  /** Vertical gap between rows (notes go there). */
  gap: number;
}

const MARGIN = 4;
const MAX_W = 150;
const MAX_H = 72;
const CHAR = 0.6; // average glyph width per font size unit (Inter)

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

export function layoutFlow(graph: FlowGraph, width: number, height: number): FlowLayout {
  // Cells stop growing at twice a full-size node, so a big panel shows a compact diagram.
  const cellW = Math.max(1, Math.min((width - 2 * MARGIN) / graph.cols, MAX_W * 1.8));
  const cellH = Math.max(1, Math.min((height - 2 * MARGIN) / graph.rows, MAX_H * 2));
  const w = Math.min(MAX_W, cellW * 0.8);
  const h = Math.min(MAX_H, cellH * 0.68, w * 0.9);
  const gridW = cellW * graph.cols;
  const gridH = cellH * graph.rows;
  const x0 = (width - gridW) / 2;
  const y0 = (height - gridH) / 2;
  const countSize = clamp(Math.min(h * 0.4, w / 3.2), 9, 26);
  const nodes = graph.nodes.map((node) => {
    const fit = (w - 6) / (node.label.length * CHAR);
    return {
      node,
      x: x0 + cellW * (node.col + 0.5),
      y: y0 + cellH * (node.row + 0.5),
      w,
      h,
      labelSize: clamp(Math.min(h * 0.24, fit), 6, 13),
      countSize,
    };
  });
  return { nodes, gap: cellH - h, noteSize: clamp((cellH - h) * 0.42, 6, 12) };
}

/** Point on the border of box `b` towards (tx, ty), so that arrows stop at the box edge. */
export function borderPoint(b: NodeBox, tx: number, ty: number): [number, number] {
  const dx = tx - b.x;
  const dy = ty - b.y;
  const sx = dx === 0 ? Infinity : b.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : b.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [b.x + dx * s, b.y + dy * s];
}
