import React from 'react';

import { NumberSetting, TextSetting, type SettingsProps } from './fields';
import type { KindForm } from './kind-form';
import { Section } from './Section';

/** What queries find and return: the discovery glob (kinds that discover by name), payload size, time bound, live refresh. */
export function QueriesSection({ settings, form }: { settings: SettingsProps; form: KindForm }) {
  return (
    <Section title="Queries">
      {form.discoveryPattern && (
        <TextSetting
          settings={settings}
          id="jobscope-config-discovery-pattern"
          name="discoveryPattern"
          label="Discovery pattern"
          placeholder="*"
          tooltip="Glob (* and ?) that limits which queue names are discovered."
        />
      )}
      <NumberSetting
        settings={settings}
        id="jobscope-config-payload-limit"
        name="payloadLimitBytes"
        label="Payload limit"
        unit="bytes"
        placeholder="4096"
        tooltip="Job payloads longer than this are cut in job lists (the full size is shown)."
      />
      <NumberSetting
        settings={settings}
        id="jobscope-config-timeout"
        name="timeoutSeconds"
        label="Timeout"
        unit="s"
        min={1}
        placeholder="10"
        tooltip="Connecting and each command or request must answer within this (1 to 300 s); past it the query fails with a timeout naming what did not answer."
      />
      <NumberSetting
        settings={settings}
        id="jobscope-config-stream-interval"
        name="streamIntervalMs"
        label="Live refresh"
        unit="ms"
        min={500}
        placeholder="5000"
        tooltip="How often open dashboards get new counts (500 or more)."
      />
    </Section>
  );
}
