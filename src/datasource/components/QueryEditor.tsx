import React, { type ChangeEvent, useMemo, useState } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineFieldRow, Input, MultiSelect, Select } from '@grafana/ui';

import type { DataSource } from '../datasource';
import {
  DEFAULT_QUERY,
  LIMIT_QUERY_TYPES,
  METRIC_OPTIONS,
  METRIC_QUERY_TYPES,
  QUERY_TYPE_OPTIONS,
  SYSTEM_OPTIONS,
  type JobscopeOptions,
  type JobscopeQuery,
  type OverviewMetric,
  type QueryType,
  type JobSystemId,
} from '../types';

export type Props = QueryEditorProps<DataSource, JobscopeQuery, JobscopeOptions>;

const LABEL_WIDTH = 12;

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

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  const queryType: QueryType = query.queryType ?? DEFAULT_QUERY.queryType ?? 'overview';
  const queues = useMemo(() => query.queues ?? [], [query.queues]);
  const [limitText, setLimitText] = useState<string>(query.limit === undefined ? '' : String(query.limit));

  const update = (patch: Partial<JobscopeQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };

  const queueOptions = useMemo(() => {
    const fromQuery = queues.map((q) => ({ value: q, label: q }));
    const variables = variableOptions().filter((v) => !queues.includes(v.value!));
    return [...fromQuery, ...variables];
  }, [queues]);

  const commitLimit = () => {
    const trimmed = limitText.trim();
    const parsed = Number(trimmed);
    const limit = trimmed === '' || !Number.isFinite(parsed) || parsed <= 0 ? undefined : Math.floor(parsed);
    if (limit !== query.limit) {
      update({ limit });
    }
    setLimitText(limit === undefined ? '' : String(limit));
  };

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
          <Select<QueryType>
            inputId={`jobscope-query-type-${query.refId}`}
            aria-label="Query type"
            width={20}
            options={QUERY_TYPE_OPTIONS}
            value={queryType}
            onChange={(option: SelectableValue<QueryType>) => update({ queryType: option.value })}
          />
        </InlineField>
        <InlineField label="System" labelWidth={LABEL_WIDTH} tooltip="Restrict to one job system; empty means all.">
          <Select<JobSystemId>
            inputId={`jobscope-query-system-${query.refId}`}
            aria-label="System"
            width={16}
            options={SYSTEM_OPTIONS}
            value={query.system ?? null}
            placeholder="All systems"
            isClearable
            onChange={(option: SelectableValue<JobSystemId> | null) => update({ system: option?.value ?? undefined })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Queues"
          labelWidth={LABEL_WIDTH}
          grow
          tooltip="Queue names, glob patterns (orders-*, mail?) or dashboard variables ($queue). Empty means every queue."
        >
          <MultiSelect<string>
            inputId={`jobscope-query-queues-${query.refId}`}
            aria-label="Queues"
            options={queueOptions}
            value={queues}
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
      {(METRIC_QUERY_TYPES.includes(queryType) || LIMIT_QUERY_TYPES.includes(queryType)) && (
        <InlineFieldRow>
          {METRIC_QUERY_TYPES.includes(queryType) && (
            <InlineField label="Metrics" labelWidth={LABEL_WIDTH} grow tooltip="Job states to count; empty means all.">
              <MultiSelect<OverviewMetric>
                inputId={`jobscope-query-metrics-${query.refId}`}
                aria-label="Metrics"
                options={METRIC_OPTIONS}
                value={query.metrics ?? []}
                placeholder="All metrics"
                onChange={(options: Array<SelectableValue<OverviewMetric>>) => {
                  const metrics = options.map((o) => o.value!).filter(Boolean);
                  update({ metrics: metrics.length ? metrics : undefined });
                }}
              />
            </InlineField>
          )}
          {LIMIT_QUERY_TYPES.includes(queryType) && (
            <InlineField label="Limit" labelWidth={LABEL_WIDTH} tooltip="Maximum number of rows.">
              <Input
                id={`jobscope-query-limit-${query.refId}`}
                type="number"
                min={1}
                width={12}
                value={limitText}
                placeholder="100"
                onChange={(event: ChangeEvent<HTMLInputElement>) => setLimitText(event.currentTarget.value)}
                onBlur={commitLimit}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    commitLimit();
                  }
                }}
              />
            </InlineField>
          )}
        </InlineFieldRow>
      )}
    </>
  );
}
