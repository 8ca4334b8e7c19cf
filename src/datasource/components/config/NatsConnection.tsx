import React from 'react';

import { TextSetting, type SettingsProps } from './fields';
import { KIND_NAMES } from '../../types';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/** The NATS servers and the stream that holds JetStream's dead-letter advisories. */
function NatsConnection({ settings }: { settings: SettingsProps }) {
  return (
    <Section title="Connection">
      <TextSetting
        settings={settings}
        id="jobscope-config-url"
        name="url"
        label="Servers"
        required
        placeholder="nats://localhost:4222"
        tooltip="nats://host:4222, several comma-separated; tls://host:4222 asks for TLS. The user goes in Username, not in the URL."
      />
      <TextSetting
        settings={settings}
        id="jobscope-config-advisory-stream"
        name="advisoryStream"
        label="Advisory stream"
        placeholder="DEAD_LETTERS"
        tooltip="A stream capturing $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.> and MSG_TERMINATED.>: JetStream's dead letters."
      />
    </Section>
  );
}

export const natsForm: KindForm = {
  label: KIND_NAMES.nats,
  Connection: NatsConnection,
  auth: {
    userTooltip: 'NATS user; leave empty to send the password field as a token.',
    passwordLabel: 'Password or token',
    passwordTooltip: "The user's password, or the server's token when no username is set.",
  },
  tls: { requireSwitch: true, when: 'TLS is also used with tls:// servers or a CA or client certificate.' },
  discoveryPattern: false,
};
