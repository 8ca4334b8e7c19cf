import React from 'react';

import { SwitchSetting, TextSetting, type SettingsProps } from './fields';
import { KIND_NAMES } from '../../types';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/** The management API (preferred), the AMQP fallback, the virtual host and whether messages may be peeked. */
function RabbitmqConnection({ settings }: { settings: SettingsProps }) {
  return (
    <Section title="Connection">
      <TextSetting
        settings={settings}
        id="jobscope-config-management-url"
        name="managementUrl"
        label="Management URL"
        placeholder="http://localhost:15672"
        tooltip="RabbitMQ's management HTTP API (https:// for TLS): one paged call reads every queue."
      />
      <TextSetting
        settings={settings}
        id="jobscope-config-url"
        name="url"
        label="AMQP URL"
        placeholder="amqp://localhost:5672"
        tooltip="Used without a management URL: only queues named in a query are read, by passive declares. amqps:// for TLS."
      />
      <TextSetting
        settings={settings}
        id="jobscope-config-vhost"
        name="vhost"
        label="Virtual host"
        placeholder="/"
        tooltip="Read only this virtual host; empty reads every one the user may see."
      />
      <SwitchSetting
        settings={settings}
        id="jobscope-config-allow-peek"
        name="allowPeek"
        label="Allow peeking"
        tooltip="Let job lists read the messages of classic and quorum queues. A peek takes messages and requeues them: they come back marked redelivered, and on a quorum queue each peek raises x-delivery-count, so past the delivery limit the broker drops or dead-letters them. Stream queues are always read without it (reading a stream changes nothing)."
      />
    </Section>
  );
}

export const rabbitmqForm: KindForm = {
  label: KIND_NAMES.rabbitmq,
  Connection: RabbitmqConnection,
  auth: {
    userTooltip: 'One user for the management API and AMQP; the monitoring tag is enough.',
    passwordLabel: 'Password',
    passwordTooltip: "The user's password.",
  },
  tls: { requireSwitch: false, when: 'TLS is used with https:// and amqps:// URLs.' },
  discoveryPattern: false,
};
