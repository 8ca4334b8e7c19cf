import React from 'react';

import { NumberSetting, TextSetting, type SettingsProps } from './fields';
import { KIND_NAMES } from '../../types';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/** The database, where its job tables are, and how much an overview may read exactly. */
function PostgresConnection({ settings }: { settings: SettingsProps }) {
  return (
    <Section title="Connection">
      <TextSetting
        settings={settings}
        id="jobscope-config-url"
        name="url"
        label="URL"
        required
        placeholder="postgres://jobscope@localhost:5432/jobs"
        tooltip="postgres://user@host:5432/database; ?sslmode= is honoured. Queries run in read-only transactions with a statement timeout."
      />
      <TextSetting
        settings={settings}
        id="jobscope-config-schemas"
        name="schemas"
        label="Schemas"
        placeholder="pgboss,graphile_worker"
        tooltip="Where to look for job tables, comma-separated; empty looks in every schema."
      />
      <NumberSetting
        settings={settings}
        id="jobscope-config-max-exact-rows"
        name="maxExactRows"
        label="Exact counts up to"
        unit="rows"
        placeholder="2000000"
        tooltip="Rows an overview may read without an index (pg-boss before 12 has none on active or finished jobs). Above it, those counts come from PostgreSQL's table statistics and the panel says so."
      />
    </Section>
  );
}

export const postgresForm: KindForm = {
  label: KIND_NAMES.postgres,
  Connection: PostgresConnection,
  auth: {
    userTooltip: 'Role to connect as (a user in the URL wins). SELECT on the job tables is enough.',
    passwordLabel: 'Password',
    passwordTooltip: "The role's password (wins over one in the URL).",
  },
  tls: {
    requireSwitch: true,
    when: 'TLS is also used with ?sslmode= in the URL or a CA certificate; ?sslmode=disable turns it off.',
  },
  discoveryPattern: true,
};
