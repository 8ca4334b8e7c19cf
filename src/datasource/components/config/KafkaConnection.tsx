import React from 'react';

import { TextSetting, type SettingsProps } from './fields';
import { KIND_NAMES } from '../../types';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/** The bootstrap brokers and the dead-letter topics besides the conventional names. */
function KafkaConnection({ settings }: { settings: SettingsProps }) {
  return (
    <Section title="Connection">
      <TextSetting
        settings={settings}
        id="jobscope-config-url"
        name="url"
        label="Bootstrap brokers"
        required
        placeholder="localhost:9092"
        tooltip="host:port, comma-separated. Jobscope reads offsets and dead-letter topics with plain fetches: it never joins or creates a consumer group."
      />
      <TextSetting
        settings={settings}
        id="jobscope-config-dlq-topics"
        name="dlqTopics"
        label="Dead-letter topics"
        placeholder="orders.dead,payments.dead"
        tooltip="Besides <topic>.DLT and <topic>-dlq, comma-separated."
      />
    </Section>
  );
}

export const kafkaForm: KindForm = {
  label: KIND_NAMES.kafka,
  Connection: KafkaConnection,
  auth: {
    userTooltip: 'SASL user; setting one turns SASL on.',
    passwordLabel: 'Password',
    passwordTooltip: 'The SASL password.',
    sasl: true,
  },
  tls: { requireSwitch: true, when: 'TLS is also used with a CA or client certificate, or Skip TLS verify.' },
  discoveryPattern: false,
};
