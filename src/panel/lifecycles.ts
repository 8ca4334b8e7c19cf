/**
 * Where the panel takes each system's life cycle and capabilities from: the catalogue of job
 * systems (pkg/model/catalogue), shared with the backend's contract suite and the editors.
 */
import { descriptorOf } from '../../pkg/model/catalogue';
import type { JobSystemDescriptor } from '../../pkg/model/catalogue/types';

export type SystemInfo = JobSystemDescriptor;

/** The system's descriptor, or undefined for a system the catalogue does not know. */
export function systemInfo(id: string): SystemInfo | undefined {
  return descriptorOf(id);
}

/** The queue label under which a system reports `metric` for all its queues together (Sidekiq's `*`). */
export function sharedQueueOf(system: string, metric: string): string | undefined {
  const shared = descriptorOf(system)?.sharedValues;
  return shared && (shared.metrics as string[]).includes(metric) ? shared.queue : undefined;
}
