/**
 * The diagram the panel draws: the shown system's own life cycle from the catalogue (states
 * in its words, lanes, steps, tones, the metrics each state sums and the job states it lists)
 * placed on a grid (column = step, row = lane).
 *
 * A mix of systems with different life cycles (one Redis holding BullMQ and Sidekiq, say)
 * is drawn as a common life cycle: Scheduled → Waiting → Active → Completed / Failed / Retry /
 * Dead, keeping only the states whose metrics the data holds, each listing the job states
 * its systems can list. Systems sharing a life cycle (BullMQ and Bull) draw it as their own.
 */
import type { JobState, OverviewMetric } from '../../pkg/query/model';
import type { Lane, Lifecycle, LifecycleState, LifecycleTransition, Tone } from '../../pkg/model/catalogue/types';
import type { FlowCounts } from './flow-counts';
import { systemInfo, type SystemInfo } from './lifecycles';

export type { Tone };

export interface FlowNodeDef extends LifecycleState {
  col: number;
  row: number;
}

export type FlowEdgeDef = LifecycleTransition;

export interface FlowGraph {
  /** The system drawn, or `mixed` for the common life cycle. */
  key: string;
  /** Systems the graph stands for (labels.system values). */
  systems: string[];
  nodes: FlowNodeDef[];
  edges: FlowEdgeDef[];
  cols: number;
  rows: number;
}

/** The common life cycle a mix of systems is drawn as. */
const COMMON: Lifecycle = {
  states: [
    {
      id: 'delayed',
      label: 'Scheduled',
      description: 'Waiting for its time or a retry back-off.',
      metrics: ['delayed'],
      jobStates: ['delayed'],
      step: 0,
      lane: 'main',
      tone: 'idle',
    },
    {
      id: 'wait',
      label: 'Waiting',
      description: 'Ready for a worker.',
      metrics: ['wait', 'prioritized'],
      jobStates: ['waiting'],
      step: 1,
      lane: 'main',
      tone: 'waiting',
    },
    {
      id: 'active',
      label: 'Active',
      description: 'Taken by a worker.',
      metrics: ['active'],
      jobStates: ['active', 'stalled'],
      step: 2,
      lane: 'main',
      tone: 'running',
    },
    {
      id: 'completed',
      label: 'Completed',
      description: 'Finished successfully.',
      metrics: ['completed'],
      jobStates: ['completed'],
      step: 3,
      lane: 'success',
      tone: 'success',
    },
    {
      id: 'retry',
      label: 'Retry',
      description: 'Failed, to be retried.',
      metrics: ['retries'],
      jobStates: ['retry'],
      step: 3,
      lane: 'failure',
      tone: 'retrying',
      problem: true,
    },
    {
      id: 'failed',
      label: 'Failed',
      description: 'Failed with no retry left.',
      metrics: ['failed'],
      jobStates: ['failed'],
      step: 4,
      lane: 'failure',
      tone: 'failed',
      problem: true,
    },
    {
      id: 'dead',
      label: 'Dead',
      description: 'Given up on (dead letters).',
      metrics: ['dead'],
      jobStates: ['dead'],
      step: 5,
      lane: 'failure',
      tone: 'failed',
      problem: true,
    },
  ],
  transitions: [
    { from: 'delayed', to: 'wait' },
    { from: 'wait', to: 'active' },
    { from: 'active', to: 'completed', rate: 'completed' },
    { from: 'active', to: 'retry' },
    { from: 'active', to: 'failed', rate: 'failed' },
    { from: 'retry', to: 'failed' },
    { from: 'retry', to: 'wait', back: true },
    { from: 'failed', to: 'dead' },
  ],
};

const LANES: Lane[] = ['success', 'main', 'failure'];

/** Sum of a state's metrics; undefined when the data holds none of them (shown as "–", not 0). */
export function nodeCount(counts: FlowCounts, node: Pick<LifecycleState, 'metrics'>): number | undefined {
  const parts = node.metrics.map((m) => counts[m]).filter((v): v is number => v !== undefined);
  return parts.length ? parts.reduce((a, b) => a + b, 0) : undefined;
}

/** A life cycle on the grid: steps from column 0 (no empty first column), lanes that hold states only. */
export function placeLifecycle(key: string, systems: string[], lifecycle: Lifecycle): FlowGraph {
  const states = lifecycle.states;
  const minStep = Math.min(...states.map((s) => s.step));
  const lanes = LANES.filter((l) => states.some((s) => s.lane === l));
  // Keep the main line in the middle row when only one branch exists, so arrows stay diagonal.
  const rowOf = (lane: Lane) => lanes.indexOf(lane);
  const nodes = states.map((s) => ({ ...s, col: s.step - minStep, row: rowOf(s.lane) }));
  const ids = new Set(nodes.map((n) => n.id));
  return {
    key,
    systems,
    nodes,
    edges: lifecycle.transitions.filter((t) => ids.has(t.from) && ids.has(t.to)),
    cols: Math.max(...nodes.map((n) => n.col)) + 1,
    rows: lanes.length,
  };
}

const sameLifecycle = (a: Lifecycle, b: Lifecycle) => a === b || JSON.stringify(a) === JSON.stringify(b);

/** The common life cycle for `infos`: states the data has a metric for, listing the job states some system lists. */
function commonLifecycle(infos: Array<SystemInfo | undefined>, counts: FlowCounts): Lifecycle {
  const listable = new Set<JobState>(infos.flatMap((i) => i?.jobStates ?? []));
  const anyUnknown = infos.some((i) => !i);
  const states = COMMON.states
    .filter((s) => s.id === 'wait' || s.id === 'active' || nodeCount(counts, s) !== undefined)
    .map((s) => ({ ...s, jobStates: anyUnknown ? s.jobStates : s.jobStates.filter((j) => listable.has(j)) }));
  return { states, transitions: COMMON.transitions };
}

/** The graph for the systems found in the shown queue(s). */
export function flowGraph(systems: string[], counts: FlowCounts): FlowGraph {
  const infos = systems.map(systemInfo);
  const first = infos[0];
  if (first && infos.every((i) => i && sameLifecycle(i.lifecycle, first.lifecycle))) {
    return placeLifecycle(systems.length === 1 ? first.id : systems.join('+'), systems, first.lifecycle);
  }
  return placeLifecycle('mixed', systems, commonLifecycle(infos, counts));
}

/** Overview metrics drawn as the headline (not as states). */
export const HEADLINE_METRICS: OverviewMetric[] = ['oldest_wait_seconds', 'workers', 'consumer_utilisation'];
