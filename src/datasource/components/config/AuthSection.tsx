import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, RadioButtonGroup, SecretInput } from '@grafana/ui';

import type { JobscopeOptions } from '../../types';
import { INPUT_WIDTH, LABEL_WIDTH, secretProps, setJson, TextSetting, type SettingsProps } from './fields';
import type { KindForm } from './kind-form';
import { Section } from './Section';

type Mechanism = NonNullable<JobscopeOptions['saslMechanism']>;
const SASL_OPTIONS: Array<SelectableValue<Mechanism>> = [
  { label: 'PLAIN', value: 'plain' },
  { label: 'SCRAM-SHA-256', value: 'scram-sha-256' },
  { label: 'SCRAM-SHA-512', value: 'scram-sha-512' },
];

/** User and password (a secure field, never sent back to the browser), in the kind's own words. */
export function AuthSection({ settings, form }: { settings: SettingsProps; form: KindForm }) {
  const { auth } = form;
  return (
    <Section title="Authentication">
      <TextSetting
        settings={settings}
        id="jobscope-config-username"
        name="username"
        label="Username"
        tooltip={auth.userTooltip}
      />
      <InlineField label={auth.passwordLabel} labelWidth={LABEL_WIDTH} tooltip={auth.passwordTooltip}>
        <SecretInput id="jobscope-config-password" width={INPUT_WIDTH} {...secretProps(settings, 'password')} />
      </InlineField>
      {auth.sasl && (
        <InlineField label="SASL mechanism" labelWidth={LABEL_WIDTH} tooltip="How the user and password are sent.">
          <RadioButtonGroup<Mechanism>
            options={SASL_OPTIONS}
            value={settings.options.jsonData.saslMechanism ?? 'plain'}
            onChange={(saslMechanism) => setJson(settings, { saslMechanism })}
          />
        </InlineField>
      )}
    </Section>
  );
}
