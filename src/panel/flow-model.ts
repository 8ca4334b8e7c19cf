/**
 * The job life cycle of each system family as a small graph: which states exist, which
 * overview metrics each state sums, which `jobs` rows belong to it, and where it sits on a
 * grid (column = step in the life cycle, row 0 = success branch, 1 = main line, 2 = failure).
 */
import type { JobState, OverviewMetric } from '../../pkg/model/query';
import type { FlowCounts } from './flow-counts';

export type FlowFamily = 'bullmq' | 'sidekiq' | 'generic';

/** Theme colour a state is drawn in (problem states may be recoloured by thresholds). */
export type FlowTone = 'warning' | 'info' | 'primary' | 'success' | 'error';

export interface FlowNodeDef {
  id: string;
  label: string;
  /** Overview metrics summed into this node's count. */
  metrics: OverviewMetric[];
  /** `state` values of `jobs` rows listed when the node is clicked. */
  states: JobState[];
  col: number;
  row: number;
  tone: FlowTone;
  /** A state that needs attention when non-zero: coloured by the panel's thresholds. */
  problem?: boolean;
  /** Drawn only when the data holds one of its metrics. */
  optional?: boolean;
}

export interface FlowEdgeDef {
  from: string;
  to: string;
  /** A way back (retry): drawn dashed and curved. */
  back?: boolean;
  /** Drawn only when the data holds this metric. */
  when?: OverviewMetric;
}

export interface FlowGraph {
  family: FlowFamily;
  nodes: FlowNodeDef[];
  edges: FlowEdgeDef[];
  cols: number;
  rows: number;
}

const BULLMQ: Omit<FlowGraph, 'cols' | 'rows'> = {
  family: 'bullmq',
  nodes: [
    { id: 'delayed', label: 'Delayed', metrics: ['delayed'], states: ['delayed', 'retry'], col: 0, row: 1, tone: 'warning' },
    { id: 'wait', label: 'Waiting', metrics: ['wait', 'prioritized'], states: ['waiting'], col: 1, row: 1, tone: 'info' },
    { id: 'active', label: 'Active', metrics: ['active'], states: ['active', 'stalled'], col: 2, row: 1, tone: 'primary' },
    { id: 'completed', label: 'Completed', metrics: ['completed'], states: ['completed'], col: 3, row: 0, tone: 'success' },
    { id: 'failed', label: 'Failed', metrics: ['failed'], states: ['failed'], col: 3, row: 2, tone: 'error', problem: true },
    { id: 'dead', label: 'Dead', metrics: ['dead'], states: ['dead'], col: 4, row: 2, tone: 'error', problem: true, optional: true },
  ],
  edges: [
    { from: 'delayed', to: 'wait' },
    { from: 'wait', to: 'active' },
    { from: 'active', to: 'completed' },
    { from: 'active', to: 'failed' },
    { from: 'failed', to: 'dead' },
    { from: 'failed', to: 'delayed', back: true, when: 'retries' },
  ],
};

const SIDEKIQ: Omit<FlowGraph, 'cols' | 'rows'> = {
  family: 'sidekiq',
  nodes: [
    { id: 'delayed', label: 'Scheduled', metrics: ['delayed'], states: ['delayed'], col: 0, row: 1, tone: 'warning' },
    { id: 'wait', label: 'Enqueued', metrics: ['wait'], states: ['waiting'], col: 1, row: 1, tone: 'info' },
    { id: 'active', label: 'Busy', metrics: ['active'], states: ['active', 'stalled'], col: 2, row: 1, tone: 'primary' },
    { id: 'completed', label: 'Processed', metrics: ['completed'], states: ['completed'], col: 3, row: 0, tone: 'success', optional: true },
    { id: 'retry', label: 'Retry', metrics: ['retries'], states: ['retry'], col: 3, row: 2, tone: 'warning', problem: true },
    { id: 'dead', label: 'Dead', metrics: ['dead'], states: ['dead'], col: 4, row: 2, tone: 'error', problem: true },
  ],
  edges: [
    { from: 'delayed', to: 'wait' },
    { from: 'wait', to: 'active' },
    { from: 'active', to: 'completed' },
    { from: 'active', to: 'retry' },
    { from: 'retry', to: 'dead' },
    { from: 'retry', to: 'wait', back: true },
  ],
};

const GENERIC: Omit<FlowGraph, 'cols' | 'rows'> = {
  family: 'generic',
  nodes: [
    { id: 'delayed', label: 'Scheduled', metrics: ['delayed'], states: ['delayed'], col: 0, row: 1, tone: 'warning', optional: true },
    { id: 'wait', label: 'Waiting', metrics: ['wait', 'prioritized'], states: ['waiting'], col: 1, row: 1, tone: 'info' },
    { id: 'active', label: 'Active', metrics: ['active'], states: ['active', 'stalled'], col: 2, row: 1, tone: 'primary' },
    { id: 'completed', label: 'Completed', metrics: ['completed'], states: ['completed'], col: 3, row: 0, tone: 'success' },
    { id: 'failed', label: 'Failed', metrics: ['failed'], states: ['failed', 'retry'], col: 3, row: 2, tone: 'error', problem: true },
    { id: 'dead', label: 'Dead', metrics: ['dead'], states: ['dead'], col: 4, row: 2, tone: 'error', problem: true, optional: true },
  ],
  edges: [
    { from: 'delayed', to: 'wait' },
    { from: 'wait', to: 'active' },
    { from: 'active', to: 'completed' },
    { from: 'active', to: 'failed' },
    { from: 'failed', to: 'dead' },
    { from: 'failed', to: 'wait', back: true, when: 'retries' },
  ],
};

/** BullMQ and Bull share a life cycle; Sidekiq has its own; anything else (or a mix) is generic. */
export function familyOf(systems: string[]): FlowFamily {
  if (systems.length > 0 && systems.every((s) => s === 'bullmq' || s === 'bull')) {
    return 'bullmq';
  }
  if (systems.length > 0 && systems.every((s) => s === 'sidekiq')) {
    return 'sidekiq';
  }
  return 'generic';
}

/** Sum of a node's metrics; undefined when the data holds none of them (shown as "–", not 0). */
export function nodeCount(counts: FlowCounts, node: FlowNodeDef): number | undefined {
  const parts = node.metrics.map((m) => counts[m]).filter((v): v is number => v !== undefined);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

/** The graph for a family, without optional states and conditional edges the data lacks. */
export function flowGraph(family: FlowFamily, counts: FlowCounts): FlowGraph {
  const base = family === 'bullmq' ? BULLMQ : family === 'sidekiq' ? SIDEKIQ : GENERIC;
  const nodes = base.nodes.filter((n) => !n.optional || nodeCount(counts, n) !== undefined);
  const ids = new Set(nodes.map((n) => n.id));
  const edges = base.edges.filter((e) => ids.has(e.from) && ids.has(e.to) && (!e.when || counts[e.when] !== undefined));
  return {
    family,
    nodes,
    edges,
    cols: Math.max(...nodes.map((n) => n.col)) + 1,
    rows: 3,
  };
}
