import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, Input, RadioButtonGroup } from '@grafana/ui';

import { INPUT_WIDTH, LABEL_WIDTH, NumberSetting, setJson, TextSetting, type SettingsProps } from './fields';
import { KIND_NAMES, type JobscopeOptions } from '../../types';
import type { KindForm } from './kind-form';
import { Section } from './Section';

type RedisMode = NonNullable<JobscopeOptions['redisMode']>;
const REDIS_MODE_OPTIONS: Array<SelectableValue<RedisMode>> = [
  { label: 'Standalone', value: 'standalone' },
  { label: 'Sentinel', value: 'sentinel' },
  { label: 'Cluster', value: 'cluster' },
];

/** Where the Redis is (standalone, Sentinel or Cluster) and the key layouts of the job systems in it. */
function RedisConnection({ settings }: { settings: SettingsProps }) {
  const { jsonData } = settings.options;
  const mode = jsonData.redisMode ?? 'standalone';
  return (
    <>
      <Section title="Connection">
        <TextSetting
          settings={settings}
          id="jobscope-config-url"
          name="url"
          label="URL"
          required
          placeholder="redis://localhost:6379/0"
          tooltip="redis://[user@]host:6379/<db>; rediss:// for TLS. In Sentinel and Cluster mode it still gives the credentials, TLS and (Sentinel) the database."
        />
        <InlineField
          label="Mode"
          labelWidth={LABEL_WIDTH}
          tooltip="A single server, a Sentinel-managed master, or a Cluster."
        >
          <RadioButtonGroup<RedisMode>
            options={REDIS_MODE_OPTIONS}
            value={mode}
            onChange={(redisMode) => setJson(settings, { redisMode })}
          />
        </InlineField>
        {mode !== 'standalone' && (
          <InlineField
            label={mode === 'sentinel' ? 'Sentinels' : 'Cluster nodes'}
            labelWidth={LABEL_WIDTH}
            tooltip="host:port, comma-separated."
            required
          >
            <Input
              id="jobscope-config-redis-nodes"
              width={INPUT_WIDTH}
              value={jsonData.redisNodes ?? ''}
              placeholder={mode === 'sentinel' ? 'sentinel-1:26379,sentinel-2:26379' : 'node-1:6379,node-2:6379'}
              onChange={(event) => setJson(settings, { redisNodes: event.currentTarget.value })}
            />
          </InlineField>
        )}
        {mode === 'sentinel' && (
          <TextSetting
            settings={settings}
            id="jobscope-config-sentinel-master"
            name="sentinelMaster"
            label="Master name"
            required
            placeholder="mymaster"
            tooltip="The name the Sentinels monitor the master under."
          />
        )}
      </Section>
      <Section
        title="Job systems in this Redis"
        description="Only needed when an application changed the library's default."
      >
        <TextSetting
          settings={settings}
          id="jobscope-config-bull-prefix"
          name="bullPrefix"
          label="Bull prefix"
          placeholder="bull"
          tooltip="Key prefix BullMQ and Bull queues were created with (their prefix option)."
        />
        <TextSetting
          settings={settings}
          id="jobscope-config-sidekiq-namespace"
          name="sidekiqNamespace"
          label="Sidekiq namespace"
          tooltip="redis-namespace prefix of Sidekiq keys, if the application uses one."
        />
        <TextSetting
          settings={settings}
          id="jobscope-config-rq-prefix"
          name="rqPrefix"
          label="RQ key prefix"
          placeholder="rq"
          tooltip="RQ_KEY_PREFIX of RQ 3.x."
        />
        <NumberSetting
          settings={settings}
          id="jobscope-config-celery-visibility"
          name="celeryVisibilityTimeout"
          label="Celery visibility timeout"
          unit="s"
          min={1}
          placeholder="3600"
          tooltip="The broker's visibility_timeout: unacknowledged tasks older than this count as stalled."
        />
      </Section>
    </>
  );
}

export const redisForm: KindForm = {
  label: KIND_NAMES.redis,
  Connection: RedisConnection,
  auth: {
    userTooltip: 'Redis ACL user; empty for the default user. Read commands are enough (see the README for the ACL).',
    passwordLabel: 'Password',
    passwordTooltip: "The ACL user's password, or the requirepass password.",
  },
  tls: { requireSwitch: false, when: 'TLS is used with a rediss:// URL or a CA or client certificate.' },
  discoveryPattern: true,
};
