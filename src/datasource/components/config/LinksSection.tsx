import React from 'react';
import type { DataSourceInstanceSettings } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { InlineField } from '@grafana/ui';

import { LOGS_DATASOURCE_TYPES, TRACING_DATASOURCE_TYPES } from '../../types';
import { INPUT_WIDTH, LABEL_WIDTH, setJson, TextSetting, type SettingsProps } from './fields';
import { Section } from './Section';

export const isTracingDataSource = (ds: DataSourceInstanceSettings): boolean =>
  (TRACING_DATASOURCE_TYPES as readonly string[]).includes(ds.type);

export const isLogsDataSource = (ds: DataSourceInstanceSettings): boolean =>
  (LOGS_DATASOURCE_TYPES as readonly string[]).includes(ds.type);

/** Where a job's trace id links to: a tracing data source, and the logs that mention it. */
export function LinksSection({ settings }: { settings: SettingsProps }) {
  const { jsonData } = settings.options;
  return (
    <Section title="Traces and logs" description="Jobs that carry a trace id link to the trace and to its log lines.">
      <InlineField
        label="Tracing data source"
        labelWidth={LABEL_WIDTH}
        tooltip="Tempo, Jaeger or Zipkin data source that job trace ids link to."
      >
        <DataSourcePicker
          inputId="jobscope-config-tracing"
          width={INPUT_WIDTH}
          current={jsonData.tracingDatasourceUid ?? null}
          filter={isTracingDataSource}
          noDefault
          onChange={(ds: DataSourceInstanceSettings) => setJson(settings, { tracingDatasourceUid: ds.uid })}
          onClear={() => setJson(settings, { tracingDatasourceUid: undefined })}
        />
      </InlineField>
      <InlineField
        label="Logs data source"
        labelWidth={LABEL_WIDTH}
        tooltip="Loki or Elasticsearch data source holding your workers' logs: a job with a trace id links to the log lines that contain it."
      >
        <DataSourcePicker
          inputId="jobscope-config-logs"
          width={INPUT_WIDTH}
          current={jsonData.logsDatasourceUid ?? null}
          filter={isLogsDataSource}
          noDefault
          onChange={(ds: DataSourceInstanceSettings) =>
            setJson(settings, { logsDatasourceUid: ds.uid, logsDatasourceType: ds.type })
          }
          onClear={() => setJson(settings, { logsDatasourceUid: undefined, logsDatasourceType: undefined })}
        />
      </InlineField>
      {jsonData.logsDatasourceUid && (
        <TextSetting
          settings={settings}
          id="jobscope-config-logs-selector"
          name="logsLabelSelector"
          label="Loki stream selector"
          placeholder={'{service_name=~".+"}'}
          tooltip='Loki only: the streams searched for the trace id, e.g. {namespace="jobs"}. The default matches every stream of Loki 3 (service_name is always set).'
        />
      )}
    </Section>
  );
}
