import React from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Select } from '@grafana/ui';

import {
  normalizeVariableQuery,
  type DataSource,
  type JobscopeVariableQuery,
  type VariableTarget,
} from '../datasource';
import { SYSTEM_OPTIONS, type JobscopeOptions, type JobscopeQuery } from '../types';

export type VariableQueryEditorProps = QueryEditorProps<DataSource, JobscopeQuery, JobscopeOptions, JobscopeVariableQuery>;

const TARGET_OPTIONS: Array<SelectableValue<VariableTarget>> = [
  { value: 'queues', label: 'Queues', description: 'Queue names the data source found' },
  { value: 'systems', label: 'Systems', description: 'Job systems the data source found' },
];

const LABEL_WIDTH = 14;

/** The editor of a query variable: queue names (optionally of one system) or system ids. */
export function VariableQueryEditor({ query, onChange, onRunQuery }: VariableQueryEditorProps) {
  const q = normalizeVariableQuery(query as JobscopeVariableQuery | string | undefined);

  const update = (next: JobscopeVariableQuery) => {
    onChange(next);
    onRunQuery?.();
  };

  const systemOptions: Array<SelectableValue<string>> =
    q.system && !SYSTEM_OPTIONS.some((o) => o.value === q.system)
      ? [...SYSTEM_OPTIONS, { value: q.system, label: q.system }]
      : SYSTEM_OPTIONS;

  return (
    <InlineFieldRow>
      <InlineField label="List" labelWidth={LABEL_WIDTH} tooltip="What the variable's values are">
        <RadioButtonGroup<VariableTarget>
          options={TARGET_OPTIONS}
          value={q.what}
          onChange={(what) => {
            const { system: _system, ...rest } = q;
            update(what === 'systems' ? { ...rest, what } : { ...q, what });
          }}
        />
      </InlineField>
      {q.what === 'queues' && (
        <InlineField
          label="System"
          labelWidth={LABEL_WIDTH}
          tooltip="Only the queues of this job system; empty means all. Template variables ($system) allowed."
        >
          <Select<string>
            inputId="jobscope-variable-system"
            aria-label="System filter"
            width={20}
            isClearable
            allowCustomValue
            placeholder="All systems"
            options={systemOptions}
            value={q.system ?? null}
            onChange={(option: SelectableValue<string> | null) => {
              const { system: _system, ...rest } = q;
              update(option?.value ? { ...rest, system: option.value } : rest);
            }}
          />
        </InlineField>
      )}
    </InlineFieldRow>
  );
}
