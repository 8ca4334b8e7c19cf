/**
 * The query editor (panels, Explore, alert rules): every query of the README's query model,
 * with what it offers about systems read from the catalogue for the data source's kind. In an
 * alert rule only the query types that answer numbers are offered. A `queues` query lists every
 * queue found, so it has no system or queue filter; a kind with one system has no System field.
 */
import React, { type ChangeEvent, useEffect, useMemo, useState } from 'react';
import { CoreApp, type QueryEditorProps, type SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, Input, MultiSelect, Select, Text } from '@grafana/ui';

import {
  defaultJobState,
  jobStateOptions,
  metricOptions,
  queueLabel,
  seriesOptions,
  systemOptions,
  systemsFor,
} from '../catalogue-options';
import type { DataSource, QueueRef } from '../datasource';
import {
  ALERTING_QUERY_TYPES,
  DEFAULT_QUERY,
  LIMIT_QUERY_TYPES,
  METRIC_QUERY_TYPES,
  QUERY_TYPE_OPTIONS,
  type DatasourceKind,
  type JobscopeOptions,
  type JobscopeQuery,
  type JobSystemId,
  type OverviewMetric,
  type QueryType,
} from '../types';
import type { JobState } from '../../../pkg/model/query';

export type Props = QueryEditorProps<DataSource, JobscopeQuery, JobscopeOptions>;

const LABEL_WIDTH = 9;

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Dashboard variables offered as queue suggestions (`$queue`), if a template service is there. */
function variableOptions(): Array<SelectableValue<string>> {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => ({ value: `$${v.name}`, label: `$${v.name}`, description: 'Dashboard variable' }));
  } catch {
    return [];
  }
}

/** The queues the data source found (its `queues` resource), loaded once per editor. */
function useFoundQueues(datasource: DataSource): { queues: QueueRef[]; loading: boolean } {
  const [state, setState] = useState<{ queues: QueueRef[]; loading: boolean }>({ queues: [], loading: true });
  useEffect(() => {
    let live = true;
    Promise.resolve(typeof datasource?.listQueues === 'function' ? datasource.listQueues() : [])
      .catch(() => [] as QueueRef[]) // the broker may be down: the editor still takes typed names
      .then((queues) => live && setState({ queues, loading: false }));
    return () => {
      live = false;
    };
  }, [datasource]);
  return state;
}

/**
 * A text field that changes the query when the user is done (blur or Enter), not on each key;
 * `commit` returns the text to show then (what the query now holds).
 */
function useCommittedText(value: string | undefined, commit: (text: string) => string) {
  const [text, setText] = useState(value ?? '');
  // A new value from outside (another editor, undo) replaces what was typed.
  const [seen, setSeen] = useState(value);
  if (seen !== value) {
    setSeen(value);
    setText(value ?? '');
  }
  return {
    value: text,
    onChange: (event: ChangeEvent<HTMLInputElement>) => setText(event.currentTarget.value),
    onBlur: () => setText(commit(text)),
    onKeyDown: (event: React.KeyboardEvent<HTMLInputElement>) => {
      if (event.key === 'Enter') {
        setText(commit(text));
      }
    },
  };
}

export function QueryEditor({ query, onChange, onRunQuery, datasource, app }: Props) {
  const queryType: QueryType = query.queryType ?? DEFAULT_QUERY.queryType ?? 'overview';
  const kind: DatasourceKind | undefined = datasource?.kind;
  const system = query.system;
  const queues = useMemo(() => query.queues ?? [], [query.queues]);
  const found = useFoundQueues(datasource);
  const alerting = app === CoreApp.UnifiedAlerting;

  const update = (patch: Partial<JobscopeQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  const typeOptions = alerting
    ? QUERY_TYPE_OPTIONS.filter((o) => ALERTING_QUERY_TYPES.includes(o.value!) || o.value === queryType)
    : QUERY_TYPE_OPTIONS;

  const systems = useMemo(() => systemOptions(kind, system), [kind, system]);
  // A kind that holds one system (RabbitMQ, NATS, Kafka) needs no choice.
  const chooseSystem = systemsFor(kind).length > 1 || (system !== undefined && systems.length > 1);
  const metrics = useMemo(
    () => (queryType === 'timeseries' ? seriesOptions(kind, system) : metricOptions(kind, system)),
    [queryType, kind, system]
  );
  const states = useMemo(() => jobStateOptions(kind, system), [kind, system]);

  const queueOptions = useMemo(() => {
    const names = found.queues.filter((q) => !system || q.system === system).map((q) => q.queue);
    const offered = Array.from(new Set(names)).sort();
    return [
      ...queues.filter((q) => !offered.includes(q)).map((q) => ({ value: q, label: q })),
      ...offered.map((q) => ({ value: q, label: q })),
      ...variableOptions().filter((v) => !offered.includes(v.value!)),
    ];
  }, [found.queues, queues, system]);

  /** A new system keeps only the metrics and the state it knows. */
  const changeSystem = (next: JobSystemId | undefined) => {
    const nextMetrics = (queryType === 'timeseries' ? seriesOptions(kind, next) : metricOptions(kind, next)).map(
      (o) => o.value
    );
    const kept = query.metrics?.filter((m) => nextMetrics.includes(m));
    const stateKnown = !query.state || jobStateOptions(kind, next).some((o) => o.value === query.state);
    update({
      system: next,
      metrics: kept?.length ? kept : undefined,
      state: stateKnown ? query.state : undefined,
    });
  };

  const limit = useCommittedText(query.limit === undefined ? '' : String(query.limit), (text) => {
    const parsed = Number(text.trim());
    const next =
      text.trim() === '' || !Number.isFinite(parsed) || parsed <= 0 ? undefined : Math.min(1000, Math.floor(parsed));
    if (next !== query.limit) {
      update({ limit: next });
    }
    return next === undefined ? '' : String(next);
  });
  const search = useCommittedText(query.search, (text) => {
    const next = text.trim() || undefined;
    if (next !== query.search) {
      update({ search: next });
    }
    return next ?? '';
  });

  const showMetrics = METRIC_QUERY_TYPES.includes(queryType);
  const selectedMetrics = query.metrics ?? [];
  const queueWord = queueLabel(kind, system);

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label="Type"
          labelWidth={LABEL_WIDTH}
          tooltip={alerting ? 'Alert rules evaluate the query types that answer numbers.' : undefined}
        >
          <Select<QueryType>
            inputId={`jobscope-query-type-${query.refId}`}
            aria-label="Query type"
            width={20}
            options={typeOptions}
            value={queryType}
            onChange={(option: SelectableValue<QueryType>) => update({ queryType: option.value })}
          />
        </InlineField>
        {queryType !== 'queues' && chooseSystem && (
          <InlineField
            label="System"
            labelWidth={LABEL_WIDTH}
            tooltip="Restrict to one job system; empty means every system found."
          >
            <Select<string>
              inputId={`jobscope-query-system-${query.refId}`}
              aria-label="System"
              width={26}
              options={systems}
              value={system ?? null}
              placeholder="All systems"
              isClearable
              onChange={(option: SelectableValue<string> | null) =>
                changeSystem((option?.value as JobSystemId | undefined) ?? undefined)
              }
            />
          </InlineField>
        )}
      </InlineFieldRow>
      {queryType !== 'queues' && (
        <InlineFieldRow>
          <InlineField
            label="Queues"
            labelWidth={LABEL_WIDTH}
            grow
            shrink
            tooltip={`Each a ${queueWord} name, a glob pattern (orders-*, mail?) or a dashboard variable ($queue). Empty means every queue.`}
          >
            <MultiSelect<string>
              inputId={`jobscope-query-queues-${query.refId}`}
              aria-label="Queues"
              options={queueOptions}
              value={queues}
              isLoading={found.loading}
              placeholder="All queues"
              allowCustomValue
              createOptionPosition="first"
              onCreateOption={(value: string) => {
                const v = value.trim();
                if (v && !queues.includes(v)) {
                  update({ queues: [...queues, v] });
                }
              }}
              onChange={(options: Array<SelectableValue<string>>) =>
                update({ queues: options.map((o) => o.value!).filter(Boolean) })
              }
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {showMetrics && (
        <InlineFieldRow>
          <InlineField
            label="Metrics"
            labelWidth={LABEL_WIDTH}
            grow
            shrink
            tooltip={
              queryType === 'timeseries'
                ? 'Series to return; empty means both.'
                : 'Values to return, as the system records them; empty means all. With one metric a query, alert math can pair two queries queue by queue.'
            }
          >
            <MultiSelect<OverviewMetric>
              inputId={`jobscope-query-metrics-${query.refId}`}
              aria-label="Metrics"
              options={metrics}
              value={selectedMetrics}
              placeholder={queryType === 'timeseries' ? 'Completed and failed' : 'All metrics'}
              noOptionsMessage={queryType === 'timeseries' ? 'This system keeps no throughput history' : undefined}
              onChange={(options: Array<SelectableValue<OverviewMetric>>) => {
                const picked = options.map((o) => o.value!).filter(Boolean);
                update({ metrics: picked.length ? picked : undefined });
              }}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {queryType === 'jobs' && (
        <InlineFieldRow>
          <InlineField
            label="State"
            labelWidth={LABEL_WIDTH}
            tooltip="Which jobs to list: the states this system can list."
          >
            <Select<JobState>
              inputId={`jobscope-query-state-${query.refId}`}
              aria-label="State"
              width={22}
              options={states}
              value={query.state ?? null}
              placeholder={`${capitalize(defaultJobState(system))} (default)`}
              isClearable
              onChange={(option: SelectableValue<JobState> | null) => update({ state: option?.value ?? undefined })}
            />
          </InlineField>
          <InlineField
            label="Search"
            labelWidth={LABEL_WIDTH}
            tooltip="Text a job's id, name or error must contain (case-insensitive)."
          >
            <Input id={`jobscope-query-search-${query.refId}`} width={24} placeholder="id, name or error" {...search} />
          </InlineField>
        </InlineFieldRow>
      )}
      {LIMIT_QUERY_TYPES.includes(queryType) && (
        <InlineFieldRow>
          <InlineField label="Limit" labelWidth={LABEL_WIDTH} tooltip="Maximum number of rows (1 to 1000).">
            <Input
              id={`jobscope-query-limit-${query.refId}`}
              type="number"
              min={1}
              max={1000}
              width={12}
              placeholder="100"
              {...limit}
            />
          </InlineField>
        </InlineFieldRow>
      )}
      {alerting && showMetrics && selectedMetrics.length > 1 && (
        <Text element="p" color="secondary" variant="bodySmall">
          Several metrics in one query are told apart by a metric label; with one metric a query, alert math can pair
          queries queue by queue.
        </Text>
      )}
    </>
  );
}
