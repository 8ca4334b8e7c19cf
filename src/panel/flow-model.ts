/**
 * The diagram the panel draws: the shown system's own life cycle from the catalogue (states
 * in its words, lanes, steps, tones, the metrics each state sums and the job states it lists)
 * placed on a grid (column = step, row = lane). Optional states (a layout or option may lack
 * them) are drawn only when the data holds one of their metrics; a state lists only the job
 * states its system can list.
 *
 * Several systems: when one system's life cycle holds every state of the others (BullMQ and
 * Bull), it is drawn for all. Otherwise (BullMQ beside Sidekiq in one Redis, say) the panel
 * draws the common life cycle, Scheduled → Waiting → Active → Completed / Retry / Failed /
 * Dead, keeping the states whose metrics the data holds: the counts add up across systems,
 * each state lists the job states its systems can list. Choose one system in the query (or
 * one queue in the panel) to see that system's own life cycle.
 */
import type { JobState, OverviewMetric } from '../../pkg/model/query';
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

/** The life cycle drawn for `infos`, optional states without data left out. */
function drawn(lifecycle: Lifecycle, counts: FlowCounts, listable: ReadonlySet<JobState> | undefined): Lifecycle {
  return {
    states: lifecycle.states
      .filter((s) => !s.optional || nodeCount(counts, s) !== undefined)
      .map((s) => (listable ? { ...s, jobStates: s.jobStates.filter((j) => listable.has(j)) } : s)),
    transitions: lifecycle.transitions,
  };
}

/** The one life cycle among `infos` whose states include every other's, if any. */
function widest(infos: SystemInfo[]): SystemInfo | undefined {
  const ids = (i: SystemInfo) => new Set(i.lifecycle.states.map((s) => s.id));
  return infos.find((candidate) => {
    const own = ids(candidate);
    return infos.every((i) => Array.from(ids(i)).every((id) => own.has(id)));
  });
}

/** The graph for the systems found in the shown queue(s). */
export function flowGraph(systems: string[], counts: FlowCounts): FlowGraph {
  const infos = systems.map(systemInfo);
  const known = infos.filter((i): i is SystemInfo => i !== undefined);
  const listable =
    known.length === infos.length && known.length ? new Set<JobState>(known.flatMap((i) => i.jobStates)) : undefined;
  const own = known.length === infos.length && known.length ? widest(known) : undefined;
  if (own) {
    return placeLifecycle(
      systems.length === 1 ? own.id : systems.join('+'),
      systems,
      drawn(own.lifecycle, counts, listable)
    );
  }
  const common: Lifecycle = {
    states: COMMON.states.filter((s) => s.id === 'wait' || s.id === 'active' || nodeCount(counts, s) !== undefined),
    transitions: COMMON.transitions,
  };
  return placeLifecycle('mixed', systems, drawn(common, counts, listable));
}

/** Overview metrics drawn as the headline (not as states). */
export const HEADLINE_METRICS: OverviewMetric[] = ['oldest_wait_seconds', 'workers', 'consumer_utilisation'];
