import React from 'react';
import { InlineField, SecretTextArea } from '@grafana/ui';

import type { JobscopeSecureSettings } from '../../types';
import { LABEL_WIDTH, secretProps, SwitchSetting, type SettingsProps } from './fields';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/**
 * Text-area width in characters (about 9 px each): as wide as the other inputs, so that once
 * saved, "configured" and its Reset button still fit a 708 px pane.
 */
const PEM_COLUMNS = 39;

const PEM_FIELDS: Array<{
  key: keyof JobscopeSecureSettings;
  id: string;
  label: string;
  tooltip: string;
  placeholder: string;
}> = [
  {
    key: 'tlsCACert',
    id: 'jobscope-config-tls-ca',
    label: 'CA certificate',
    tooltip: 'PEM of the CA the server certificate is checked against; empty uses the system roots.',
    placeholder: '-----BEGIN CERTIFICATE-----',
  },
  {
    key: 'tlsClientCert',
    id: 'jobscope-config-tls-client-cert',
    label: 'Client certificate',
    tooltip: 'PEM, for mutual TLS.',
    placeholder: '-----BEGIN CERTIFICATE-----',
  },
  {
    key: 'tlsClientKey',
    id: 'jobscope-config-tls-client-key',
    label: 'Client key',
    tooltip: 'PEM, for mutual TLS.',
    placeholder: '-----BEGIN PRIVATE KEY-----',
  },
];

/** Whether and how the connection uses TLS: the switches together, then the PEM secrets. */
export function TlsSection({ settings, form }: { settings: SettingsProps; form: KindForm }) {
  return (
    <Section title="TLS" description={form.tls.when}>
      {form.tls.requireSwitch && (
        <SwitchSetting
          settings={settings}
          id="jobscope-config-tls"
          name="tls"
          label="Require TLS"
          tooltip="Connect with TLS even when the URL does not ask for it."
        />
      )}
      <SwitchSetting
        settings={settings}
        id="jobscope-config-tls-skip-verify"
        name="tlsSkipVerify"
        label="Skip TLS verify"
        tooltip="Accept any server certificate. Only for testing."
      />
      {PEM_FIELDS.map(({ key, id, label, tooltip, placeholder }) => {
        const { onChange, ...secret } = secretProps(settings, key);
        return (
          <InlineField key={key} label={label} labelWidth={LABEL_WIDTH} tooltip={tooltip}>
            <SecretTextArea
              id={id}
              cols={PEM_COLUMNS}
              rows={3}
              placeholder={placeholder}
              {...secret}
              onChange={onChange}
            />
          </InlineField>
        );
      })}
    </Section>
  );
}
