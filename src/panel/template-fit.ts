/**
 * Which alert templates fit the shown systems, from their capabilities and life cycles: a
 * template is offered when it fits at least one of them (no "DLQ not empty" for BullMQ,
 * whose failed jobs are not dead letters; no "stalled" where nothing can stall). A system the panel
 * does not know gets every template.
 */
import type { TemplateId } from './alert-templates';
import { systemInfo, type SystemInfo } from './lifecycles';

const states = (info: SystemInfo) => info.lifecycle.states;
const counts = (info: SystemInfo, metric: string) => states(info).some((s) => (s.metrics as string[]).includes(metric));
/** A metric the system returns: listed in its descriptor, or drawn by one of its states. */
const returns = (info: SystemInfo, metric: string) => metric in info.metrics || counts(info, metric);

export function templateFits(id: TemplateId, info: SystemInfo): boolean {
  const caps = info.capabilities;
  switch (id) {
    case 'dlq-not-empty':
      // Dead letters apart from failed jobs (BullMQ's kept failed jobs are its failed state, not a DLQ).
      return caps.deadLetter !== 'none' && returns(info, 'dead');
    case 'oldest-wait':
      return Object.keys(info.metrics).length === 0 || returns(info, 'oldest_wait_seconds');
    case 'failure-ratio':
      return returns(info, 'failed') && returns(info, 'completed');
    case 'stalled':
      return returns(info, 'stalled') || states(info).some((s) => s.jobStates.includes('stalled'));
    case 'no-worker':
      return caps.workerLiveness === 'heartbeat' || caps.workerLiveness === 'connection';
    case 'no-completions':
      return caps.throughput !== 'none';
  }
}

export function templatesFor<T extends { id: TemplateId }>(templates: readonly T[], systems: readonly string[]): T[] {
  const infos = systems.map(systemInfo);
  if (infos.length === 0 || infos.some((i) => !i)) {
    return [...templates];
  }
  return templates.filter((t) => infos.some((i) => templateFits(t.id, i!)));
}
