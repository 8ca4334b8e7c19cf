/**
 * What the query and variable editors offer, read from the catalogue of job systems
 * (pkg/model/catalogue): the systems of the data source's kind, each system's metrics with
 * their meaning, the job states it can list. Nothing about a system is written down here.
 */
import type { SelectableValue } from '@grafana/data';

import { descriptorOf, METRIC_DEFINITIONS, systemsOfKind } from '../../pkg/model/catalogue';
import type { JobSystemDescriptor } from '../../pkg/model/catalogue/types';
import {
  DATASOURCE_KINDS,
  SERIES_METRICS,
  type DatasourceKind,
  type JobState,
  type JobSystemId,
  type OverviewMetric,
} from '../../pkg/model/query';
import { KIND_NAMES } from './types';

function descriptor(system: string | undefined): JobSystemDescriptor | undefined {
  if (!system) {
    return undefined;
  }
  return descriptorOf(system); // undefined for a template variable ($system) or an unknown id
}

/** The systems a query can be restricted to: those of the kind, or every kind's when it is unknown. */
export function systemsFor(kind: DatasourceKind | undefined): JobSystemDescriptor[] {
  const kinds = kind && DATASOURCE_KINDS.includes(kind) ? [kind] : [...DATASOURCE_KINDS];
  return kinds.flatMap((k) => systemsOfKind(k));
}

// Names only: the select is narrow, and a menu of one-line options is read at a glance.
const systemOption = (d: JobSystemDescriptor): SelectableValue<JobSystemId> => ({ value: d.id, label: d.name });

/**
 * System options: flat for a known kind, grouped by kind otherwise. A saved value the list does
 * not hold (a template variable, another kind's system) stays selectable so it shows.
 */
export function systemOptions(kind: DatasourceKind | undefined, current?: string): Array<SelectableValue<string>> {
  const known = kind && DATASOURCE_KINDS.includes(kind);
  const options: Array<SelectableValue<string>> = known
    ? systemsFor(kind).map(systemOption)
    : DATASOURCE_KINDS.map((k) => ({ label: KIND_NAMES[k], options: systemsOfKind(k).map(systemOption) }));
  const all = systemsFor(kind).map((d) => d.id as string);
  if (current && !all.includes(current)) {
    const d = descriptor(current);
    options.push(d ? systemOption(d) : { value: current, label: current });
  }
  return options;
}

/** The system or, without one, every system of the kind (what an unrestricted query reads). */
const scope = (kind: DatasourceKind | undefined, system: string | undefined) => {
  const d = descriptor(system);
  return d ? [d] : systemsFor(kind);
};

/**
 * Overview metrics the system returns, in the model's order, each described in the system's
 * own terms (without a system: those any system of the kind returns, in general terms).
 */
export function metricOptions(
  kind: DatasourceKind | undefined,
  system: string | undefined
): Array<SelectableValue<OverviewMetric>> {
  const systems = scope(kind, system);
  const only = systems.length === 1 ? systems[0] : undefined;
  const returned = new Set(systems.flatMap((d) => Object.keys(d.metrics) as OverviewMetric[]));
  return (Object.keys(METRIC_DEFINITIONS) as OverviewMetric[])
    .filter((m) => returned.has(m))
    .map((m) => ({
      value: m,
      label: METRIC_DEFINITIONS[m].label,
      description: only?.metrics[m] ?? METRIC_DEFINITIONS[m].description,
    }));
}

/** Throughput series (a `timeseries` query) the system can answer; none when it keeps no history. */
export function seriesOptions(
  kind: DatasourceKind | undefined,
  system: string | undefined
): Array<SelectableValue<OverviewMetric>> {
  const answers = scope(kind, system).some((d) => d.capabilities.throughput !== 'none');
  return answers
    ? SERIES_METRICS.map((m) => ({
        value: m,
        label: METRIC_DEFINITIONS[m].label,
        description: METRIC_DEFINITIONS[m].description,
      }))
    : [];
}

/**
 * Job states a `jobs` query can list for the system, in the catalogue's order; where the
 * system has its own word for the state (Sidekiq's "Enqueued" for waiting), that word is the
 * option's description.
 */
export function jobStateOptions(
  kind: DatasourceKind | undefined,
  system: string | undefined
): Array<SelectableValue<JobState>> {
  const systems = scope(kind, system);
  const only = systems.length === 1 ? systems[0] : undefined;
  const states = Array.from(new Set(systems.flatMap((d) => d.jobStates)));
  return states.map((state) => {
    const label = state.charAt(0).toUpperCase() + state.slice(1);
    const own = only?.lifecycle.states.find((s) => s.jobStates.includes(state))?.label;
    return { value: state, label, description: own && own !== label ? own : undefined };
  });
}

/** The systems of a kind, by name (the Kind select's description). */
export function systemNames(kind: DatasourceKind): string {
  return systemsOfKind(kind)
    .map((d) => d.name)
    .join(', ');
}

/** The state a `jobs` query lists when none is chosen (the system's own default, else failed). */
export function defaultJobState(system: string | undefined): JobState {
  return descriptor(system)?.defaultJobState ?? 'failed';
}

/** What a queue is called in the system (queue, stream/consumer, group/topic). */
export function queueLabel(kind: DatasourceKind | undefined, system: string | undefined): string {
  const labels = Array.from(new Set(scope(kind, system).map((d) => d.queueLabel)));
  return labels.length === 1 ? labels[0] : 'queue';
}
