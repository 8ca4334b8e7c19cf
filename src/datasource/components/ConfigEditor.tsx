import React, { type ChangeEvent, useEffect } from 'react';
import type { DataSourcePluginOptionsEditorProps, DataSourceInstanceSettings, SelectableValue } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import {
  Divider,
  InlineField,
  InlineSwitch,
  Input,
  RadioButtonGroup,
  SecretInput,
  SecretTextArea,
  Select,
  Stack,
  Text,
} from '@grafana/ui';

import {
  KIND_OPTIONS,
  LOGS_DATASOURCE_TYPES,
  TRACING_DATASOURCE_TYPES,
  type DatasourceKind,
  type JobscopeOptions,
  type JobscopeSecureSettings,
} from '../types';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<JobscopeOptions, JobscopeSecureSettings>;

const LABEL_WIDTH = 24;
const INPUT_WIDTH = 48;
const DEFAULT_KIND: DatasourceKind = 'redis';

const SASL_OPTIONS: Array<SelectableValue<NonNullable<JobscopeOptions['saslMechanism']>>> = [
  { label: 'PLAIN', value: 'plain' },
  { label: 'SCRAM-SHA-256', value: 'scram-sha-256' },
  { label: 'SCRAM-SHA-512', value: 'scram-sha-512' },
];

type RedisMode = NonNullable<JobscopeOptions['redisMode']>;
const REDIS_MODE_OPTIONS: Array<SelectableValue<RedisMode>> = [
  { label: 'Standalone', value: 'standalone' },
  { label: 'Sentinel', value: 'sentinel' },
  { label: 'Cluster', value: 'cluster' },
];

const URL_PLACEHOLDERS: Record<DatasourceKind, string> = {
  redis: 'redis://localhost:6379/0',
  rabbitmq: 'amqp://localhost:5672',
  postgres: 'postgres://localhost:5432/jobs',
  nats: 'nats://localhost:4222',
  kafka: 'localhost:9092',
};

export const isTracingDataSource = (ds: DataSourceInstanceSettings): boolean =>
  (TRACING_DATASOURCE_TYPES as readonly string[]).includes(ds.type);

export const isLogsDataSource = (ds: DataSourceInstanceSettings): boolean =>
  (LOGS_DATASOURCE_TYPES as readonly string[]).includes(ds.type);

export function ConfigEditor(props: ConfigEditorProps) {
  const { onOptionsChange, options } = props;
  const { jsonData, secureJsonFields } = options;
  const secureJsonData: JobscopeSecureSettings = options.secureJsonData ?? {};
  const kind = jsonData.kind ?? DEFAULT_KIND;

  // Make the kind explicit in the saved settings the first time the editor opens.
  useEffect(() => {
    if (!options.jsonData.kind) {
      onOptionsChange({ ...options, jsonData: { ...options.jsonData, kind: DEFAULT_KIND } });
    }
    // Only on first render: later edits always carry a kind.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const updateJsonData = <K extends keyof JobscopeOptions>(key: K, value: JobscopeOptions[K]) => {
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value } });
  };

  const onTextChange =
    (
      key:
        | 'url'
        | 'username'
        | 'bullPrefix'
        | 'discoveryPattern'
        | 'redisNodes'
        | 'sentinelMaster'
        | 'sidekiqNamespace'
        | 'rqPrefix'
        | 'managementUrl'
        | 'vhost'
        | 'schemas'
        | 'dlqTopics'
        | 'advisoryStream'
        | 'logsLabelSelector'
    ) =>
    (event: ChangeEvent<HTMLInputElement>) =>
      updateJsonData(key, event.target.value);

  const onNumberChange =
    (key: 'payloadLimitBytes' | 'celeryVisibilityTimeout' | 'streamIntervalMs' | 'maxExactRows' | 'timeoutSeconds') =>
    (event: ChangeEvent<HTMLInputElement>) => {
      const raw = event.target.value.trim();
      const parsed = Number(raw);
      updateJsonData(key, raw === '' || !Number.isFinite(parsed) ? undefined : Math.max(0, Math.floor(parsed)));
    };
  const redisMode = jsonData.redisMode ?? 'standalone';

  const updateSecret = (key: keyof JobscopeSecureSettings, value: string) => {
    onOptionsChange({ ...options, secureJsonData: { ...secureJsonData, [key]: value } });
  };

  const resetSecret = (key: keyof JobscopeSecureSettings) => {
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, [key]: false },
      secureJsonData: { ...secureJsonData, [key]: '' },
    });
  };

  const secretProps = (key: keyof JobscopeSecureSettings) => ({
    isConfigured: Boolean(secureJsonFields?.[key]),
    // Grafana never sends a saved secret back; only what the user typed in this session is shown.
    value: secureJsonData[key] ?? '',
    onReset: () => resetSecret(key),
  });

  return (
    <Stack direction="column" gap={1}>
      <Text element="h3">Connection</Text>
      <InlineField
        label="Kind"
        labelWidth={LABEL_WIDTH}
        tooltip="The broker or job store this data source reads. Redis (BullMQ, Bull, Sidekiq, Celery, RQ), RabbitMQ, PostgreSQL (pg-boss, graphile-worker, River, Oban, Que, Solid Queue, GoodJob), NATS JetStream and Kafka."
      >
        <Select<DatasourceKind>
          inputId="jobscope-config-kind"
          aria-label="Kind"
          width={INPUT_WIDTH}
          options={KIND_OPTIONS}
          value={kind}
          onChange={(option: SelectableValue<DatasourceKind>) => updateJsonData('kind', option.value)}
        />
      </InlineField>
      <InlineField label="URL" labelWidth={LABEL_WIDTH} tooltip="Use rediss:// for TLS." required>
        <Input
          id="jobscope-config-url"
          width={INPUT_WIDTH}
          value={jsonData.url ?? ''}
          placeholder={URL_PLACEHOLDERS[kind]}
          onChange={onTextChange('url')}
        />
      </InlineField>
      <InlineField
        label="Username"
        labelWidth={LABEL_WIDTH}
        tooltip="Redis ACL user; leave empty for the default user."
      >
        <Input
          id="jobscope-config-username"
          width={INPUT_WIDTH}
          value={jsonData.username ?? ''}
          onChange={onTextChange('username')}
        />
      </InlineField>
      <InlineField label="Password" labelWidth={LABEL_WIDTH}>
        <SecretInput
          id="jobscope-config-password"
          width={INPUT_WIDTH}
          {...secretProps('password')}
          onChange={(event: ChangeEvent<HTMLInputElement>) => updateSecret('password', event.currentTarget.value)}
        />
      </InlineField>

      {kind === 'postgres' && (
        <>
          <InlineField
            label="Schemas"
            labelWidth={LABEL_WIDTH}
            tooltip="Where to look for job tables, comma-separated (pgboss, graphile_worker…); empty looks in every schema."
          >
            <Input
              id="jobscope-config-schemas"
              width={INPUT_WIDTH}
              value={jsonData.schemas ?? ''}
              placeholder="pgboss,graphile_worker"
              onChange={onTextChange('schemas')}
            />
          </InlineField>
          <InlineField
            label="Exact counts up to"
            labelWidth={LABEL_WIDTH}
            tooltip="Rows an overview may read without an index (pg-boss before 12 has none on active or finished jobs). Above it, those counts come from PostgreSQL's table statistics and the panel says so. Empty: 2,000,000."
          >
            <Input
              id="jobscope-config-max-exact-rows"
              type="number"
              width={INPUT_WIDTH}
              value={jsonData.maxExactRows ?? ''}
              placeholder="2000000"
              onChange={onNumberChange('maxExactRows')}
            />
          </InlineField>
          <InlineField
            label="Require TLS"
            labelWidth={LABEL_WIDTH}
            tooltip="Also implied by ?sslmode= in the URL or a CA certificate."
          >
            <InlineSwitch
              id="jobscope-config-pg-tls"
              value={jsonData.tls ?? false}
              onChange={(event) => updateJsonData('tls', event.currentTarget.checked)}
            />
          </InlineField>
        </>
      )}
      {kind === 'nats' && (
        <InlineField
          label="Advisory stream"
          labelWidth={LABEL_WIDTH}
          tooltip="A stream capturing $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.> and MSG_TERMINATED.>: JetStream's dead letters."
        >
          <Input
            id="jobscope-config-advisory-stream"
            width={INPUT_WIDTH}
            value={jsonData.advisoryStream ?? ''}
            placeholder="DEAD_LETTERS"
            onChange={onTextChange('advisoryStream')}
          />
        </InlineField>
      )}
      {kind === 'kafka' && (
        <>
          <InlineField label="SASL mechanism" labelWidth={LABEL_WIDTH} tooltip="Used when a username is set.">
            <RadioButtonGroup<NonNullable<JobscopeOptions['saslMechanism']>>
              options={SASL_OPTIONS}
              value={jsonData.saslMechanism ?? 'plain'}
              onChange={(mechanism) => updateJsonData('saslMechanism', mechanism)}
            />
          </InlineField>
          <InlineField
            label="Dead-letter topics"
            labelWidth={LABEL_WIDTH}
            tooltip="Besides <topic>.DLT and <topic>-dlq, comma-separated."
          >
            <Input
              id="jobscope-config-dlq-topics"
              width={INPUT_WIDTH}
              value={jsonData.dlqTopics ?? ''}
              onChange={onTextChange('dlqTopics')}
            />
          </InlineField>
          <InlineField label="Require TLS" labelWidth={LABEL_WIDTH} tooltip="Also implied by a CA certificate.">
            <InlineSwitch
              id="jobscope-config-kafka-tls"
              value={jsonData.tls ?? false}
              onChange={(event) => updateJsonData('tls', event.currentTarget.checked)}
            />
          </InlineField>
        </>
      )}
      {kind === 'rabbitmq' && (
        <>
          <InlineField
            label="Management URL"
            labelWidth={LABEL_WIDTH}
            tooltip="RabbitMQ's management HTTP API. Without it only queues named in a query are read, by AMQP passive declares."
          >
            <Input
              id="jobscope-config-management-url"
              width={INPUT_WIDTH}
              value={jsonData.managementUrl ?? ''}
              placeholder="http://localhost:15672"
              onChange={onTextChange('managementUrl')}
            />
          </InlineField>
          <InlineField
            label="Virtual host"
            labelWidth={LABEL_WIDTH}
            tooltip="Read only this vhost; empty reads all the user may see."
          >
            <Input
              id="jobscope-config-vhost"
              width={INPUT_WIDTH}
              value={jsonData.vhost ?? ''}
              placeholder="/"
              onChange={onTextChange('vhost')}
            />
          </InlineField>
          <InlineField
            label="Allow peeking"
            labelWidth={LABEL_WIDTH}
            tooltip="Let job lists read the messages of classic and quorum queues. A peek takes messages and requeues them: they come back marked redelivered, and on a quorum queue each peek raises x-delivery-count, so past the delivery limit the broker drops or dead-letters them. Stream queues are always read without it (reading a stream changes nothing)."
          >
            <InlineSwitch
              id="jobscope-config-allow-peek"
              value={jsonData.allowPeek ?? false}
              onChange={(event) => updateJsonData('allowPeek', event.currentTarget.checked)}
            />
          </InlineField>
        </>
      )}

      <Divider />
      <Text element="h3">TLS</Text>
      <InlineField
        label="Skip TLS verify"
        labelWidth={LABEL_WIDTH}
        tooltip="Accept any server certificate. Only for testing."
      >
        <InlineSwitch
          id="jobscope-config-tls-skip-verify"
          value={Boolean(jsonData.tlsSkipVerify)}
          onChange={(event: React.FormEvent<HTMLInputElement>) =>
            updateJsonData('tlsSkipVerify', event.currentTarget.checked)
          }
        />
      </InlineField>
      <InlineField label="CA certificate" labelWidth={LABEL_WIDTH} tooltip="PEM; leave empty to use the system roots.">
        <SecretTextArea
          id="jobscope-config-tls-ca"
          cols={INPUT_WIDTH}
          rows={4}
          placeholder="-----BEGIN CERTIFICATE-----"
          {...secretProps('tlsCACert')}
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) => updateSecret('tlsCACert', event.currentTarget.value)}
        />
      </InlineField>
      <InlineField label="Client certificate" labelWidth={LABEL_WIDTH} tooltip="PEM, for mutual TLS.">
        <SecretTextArea
          id="jobscope-config-tls-client-cert"
          cols={INPUT_WIDTH}
          rows={4}
          placeholder="-----BEGIN CERTIFICATE-----"
          {...secretProps('tlsClientCert')}
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) =>
            updateSecret('tlsClientCert', event.currentTarget.value)
          }
        />
      </InlineField>
      <InlineField label="Client key" labelWidth={LABEL_WIDTH} tooltip="PEM, for mutual TLS.">
        <SecretTextArea
          id="jobscope-config-tls-client-key"
          cols={INPUT_WIDTH}
          rows={4}
          placeholder="-----BEGIN PRIVATE KEY-----"
          {...secretProps('tlsClientKey')}
          onChange={(event: ChangeEvent<HTMLTextAreaElement>) =>
            updateSecret('tlsClientKey', event.currentTarget.value)
          }
        />
      </InlineField>

      {kind === 'redis' && (
        <>
          <InlineField
            label="Redis mode"
            labelWidth={LABEL_WIDTH}
            tooltip="A single server, a Sentinel-managed master, or a Cluster."
          >
            <RadioButtonGroup<RedisMode>
              options={REDIS_MODE_OPTIONS}
              value={redisMode}
              onChange={(mode) => updateJsonData('redisMode', mode)}
            />
          </InlineField>
          {redisMode !== 'standalone' && (
            <InlineField
              label={redisMode === 'sentinel' ? 'Sentinels' : 'Cluster nodes'}
              labelWidth={LABEL_WIDTH}
              tooltip="host:port, comma-separated. The URL still gives credentials, TLS and (Sentinel) the database."
              required
            >
              <Input
                id="jobscope-config-redis-nodes"
                width={INPUT_WIDTH}
                value={jsonData.redisNodes ?? ''}
                placeholder={redisMode === 'sentinel' ? 'sentinel-1:26379,sentinel-2:26379' : 'node-1:6379,node-2:6379'}
                onChange={onTextChange('redisNodes')}
              />
            </InlineField>
          )}
          {redisMode === 'sentinel' && (
            <InlineField label="Master name" labelWidth={LABEL_WIDTH} required>
              <Input
                id="jobscope-config-sentinel-master"
                width={INPUT_WIDTH}
                value={jsonData.sentinelMaster ?? ''}
                placeholder="mymaster"
                onChange={onTextChange('sentinelMaster')}
              />
            </InlineField>
          )}
        </>
      )}

      <Divider />
      <Text element="h3">Discovery</Text>
      <InlineField
        label="Bull prefix"
        labelWidth={LABEL_WIDTH}
        tooltip="Key prefix BullMQ and Bull queues were created with (their `prefix` option)."
      >
        <Input
          id="jobscope-config-bull-prefix"
          width={INPUT_WIDTH}
          value={jsonData.bullPrefix ?? ''}
          placeholder="bull"
          onChange={onTextChange('bullPrefix')}
        />
      </InlineField>
      <InlineField
        label="Discovery pattern"
        labelWidth={LABEL_WIDTH}
        tooltip="Glob (* and ?) that limits which queue names are discovered."
      >
        <Input
          id="jobscope-config-discovery-pattern"
          width={INPUT_WIDTH}
          value={jsonData.discoveryPattern ?? ''}
          placeholder="*"
          onChange={onTextChange('discoveryPattern')}
        />
      </InlineField>
      <InlineField
        label="Payload limit (bytes)"
        labelWidth={LABEL_WIDTH}
        tooltip="Job payloads longer than this are truncated in job lists."
      >
        <Input
          id="jobscope-config-payload-limit"
          type="number"
          min={0}
          width={INPUT_WIDTH}
          value={jsonData.payloadLimitBytes ?? ''}
          placeholder="4096"
          onChange={onNumberChange('payloadLimitBytes')}
        />
      </InlineField>

      <InlineField
        label="Timeout (s)"
        labelWidth={LABEL_WIDTH}
        tooltip="How long connecting and each command or request may take before the query answers with an error (1 to 300, default 10)."
      >
        <Input
          id="jobscope-config-timeout"
          type="number"
          min={1}
          max={300}
          width={INPUT_WIDTH}
          value={jsonData.timeoutSeconds ?? ''}
          placeholder="10"
          onChange={onNumberChange('timeoutSeconds')}
        />
      </InlineField>

      {kind === 'redis' && (
        <>
          <InlineField
            label="Sidekiq namespace"
            labelWidth={LABEL_WIDTH}
            tooltip="redis-namespace prefix of Sidekiq keys, if any."
          >
            <Input
              id="jobscope-config-sidekiq-namespace"
              width={INPUT_WIDTH}
              value={jsonData.sidekiqNamespace ?? ''}
              onChange={onTextChange('sidekiqNamespace')}
            />
          </InlineField>
          <InlineField label="RQ key prefix" labelWidth={LABEL_WIDTH} tooltip="RQ_KEY_PREFIX of RQ 3.x.">
            <Input
              id="jobscope-config-rq-prefix"
              width={INPUT_WIDTH}
              value={jsonData.rqPrefix ?? ''}
              placeholder="rq"
              onChange={onTextChange('rqPrefix')}
            />
          </InlineField>
          <InlineField
            label="Celery visibility timeout (s)"
            labelWidth={LABEL_WIDTH}
            tooltip="The broker's visibility_timeout: unacknowledged tasks older than this count as stalled."
          >
            <Input
              id="jobscope-config-celery-visibility"
              type="number"
              min={1}
              width={INPUT_WIDTH}
              value={jsonData.celeryVisibilityTimeout ?? ''}
              placeholder="3600"
              onChange={onNumberChange('celeryVisibilityTimeout')}
            />
          </InlineField>
        </>
      )}
      <InlineField
        label="Live refresh (ms)"
        labelWidth={LABEL_WIDTH}
        tooltip="How often open dashboards get new counts (500 or more)."
      >
        <Input
          id="jobscope-config-stream-interval"
          type="number"
          min={500}
          width={INPUT_WIDTH}
          value={jsonData.streamIntervalMs ?? ''}
          placeholder="5000"
          onChange={onNumberChange('streamIntervalMs')}
        />
      </InlineField>

      <Divider />
      <Text element="h3">Traces and logs</Text>
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
          onChange={(ds: DataSourceInstanceSettings) => updateJsonData('tracingDatasourceUid', ds.uid)}
          onClear={() => updateJsonData('tracingDatasourceUid', undefined)}
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
            onOptionsChange({
              ...options,
              jsonData: { ...jsonData, logsDatasourceUid: ds.uid, logsDatasourceType: ds.type },
            })
          }
          onClear={() =>
            onOptionsChange({
              ...options,
              jsonData: { ...jsonData, logsDatasourceUid: undefined, logsDatasourceType: undefined },
            })
          }
        />
      </InlineField>
      {jsonData.logsDatasourceUid && (
        <InlineField
          label="Loki stream selector"
          labelWidth={LABEL_WIDTH}
          tooltip='Loki only: the streams searched for the trace id, e.g. {namespace="jobs"}. The default matches every stream of Loki 3 (service_name is always set).'
        >
          <Input
            id="jobscope-config-logs-selector"
            width={INPUT_WIDTH}
            value={jsonData.logsLabelSelector ?? ''}
            placeholder='{service_name=~".+"}'
            onChange={onTextChange('logsLabelSelector')}
          />
        </InlineField>
      )}
    </Stack>
  );
}
