/**
 * The data source's settings page: the kind first, then the sections that kind needs, each in
 * its own file under config/ (the kind's connection, authentication, TLS, queries, trace and
 * log links). A kind shows only its own fields, with its own words.
 */
import React, { useEffect } from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, Select, Stack } from '@grafana/ui';

import { systemNames } from '../catalogue-options';
import { DATASOURCE_KINDS, type DatasourceKind } from '../types';
import { AuthSection, KIND_FORMS, LinksSection, QueriesSection, TlsSection, type SettingsProps } from './config';
import { INPUT_WIDTH, LABEL_WIDTH, setJson } from './config/fields';

export { isLogsDataSource, isTracingDataSource } from './config';
export type ConfigEditorProps = SettingsProps;

const DEFAULT_KIND: DatasourceKind = 'redis';

// The closed select shows the short name; the menu says which systems each kind holds (the catalogue's).
const KIND_OPTIONS: Array<SelectableValue<DatasourceKind>> = DATASOURCE_KINDS.map((kind) => ({
  value: kind,
  label: KIND_FORMS[kind].label,
  description: systemNames(kind) === KIND_FORMS[kind].label ? undefined : systemNames(kind),
}));

export function ConfigEditor(props: ConfigEditorProps) {
  const { options, onOptionsChange } = props;
  const kind = options.jsonData.kind ?? DEFAULT_KIND;
  const form = KIND_FORMS[kind] ?? KIND_FORMS[DEFAULT_KIND];

  // Make the kind explicit in the saved settings the first time the editor opens.
  useEffect(() => {
    if (!options.jsonData.kind) {
      onOptionsChange({ ...options, jsonData: { ...options.jsonData, kind: DEFAULT_KIND } });
    }
    // Only on first render: later edits always carry a kind.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <Stack direction="column" gap={3}>
      <InlineField
        label="Kind"
        labelWidth={LABEL_WIDTH}
        tooltip="The broker or job store this data source reads; the settings below follow it."
      >
        <Select<DatasourceKind>
          inputId="jobscope-config-kind"
          aria-label="Kind"
          width={INPUT_WIDTH}
          options={KIND_OPTIONS}
          value={kind}
          onChange={(option: SelectableValue<DatasourceKind>) => setJson(props, { kind: option.value })}
        />
      </InlineField>
      <form.Connection settings={props} />
      <AuthSection settings={props} form={form} />
      <TlsSection settings={props} form={form} />
      <QueriesSection settings={props} form={form} />
      <LinksSection settings={props} />
    </Stack>
  );
}
