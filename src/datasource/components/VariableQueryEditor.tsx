import React from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Select } from '@grafana/ui';

import { systemOptions, systemsFor } from '../catalogue-options';
import {
  normalizeVariableQuery,
  type DataSource,
  type JobscopeVariableQuery,
  type VariableTarget,
} from '../datasource';
import type { JobscopeOptions, JobscopeQuery } from '../types';

export type VariableQueryEditorProps = QueryEditorProps<
  DataSource,
  JobscopeQuery,
  JobscopeOptions,
  JobscopeVariableQuery
>;

const TARGET_OPTIONS: Array<SelectableValue<VariableTarget>> = [
  { value: 'queues', label: 'Queues', description: 'Queue names the data source found' },
  { value: 'systems', label: 'Systems', description: 'Job systems the data source found' },
];

const LABEL_WIDTH = 9;

/** The editor of a query variable: queue names (optionally of one system) or system ids. */
export function VariableQueryEditor({ query, onChange, onRunQuery, datasource }: VariableQueryEditorProps) {
  const q = normalizeVariableQuery(query as JobscopeVariableQuery | string | undefined);

  const update = (next: JobscopeVariableQuery) => {
    onChange(next);
    onRunQuery?.();
  };

  // The catalogue's systems of the data source's kind (no choice for a kind with one system);
  // a saved variable ($system) stays shown.
  const options = systemOptions(datasource?.kind, q.system);

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
      {q.what === 'queues' && (systemsFor(datasource?.kind).length > 1 || q.system) && (
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
            options={options}
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
