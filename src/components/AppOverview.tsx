import React from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { Stack, Text, TextLink } from '@grafana/ui';

import { systemNames } from '../datasource/catalogue-options';
import { DATASOURCE_KINDS, KIND_NAMES } from '../datasource/types';

export type AppOverviewProps = PluginConfigPageProps<AppPluginMeta<{}>>;

/** The app's configuration tab: what the app bundles, what each kind of data source reads, where to start. */
export function AppOverview({ plugin }: AppOverviewProps) {
  const enabled = Boolean(plugin.meta.enabled);
  return (
    <Stack direction="column" gap={2}>
      <Text element="p">
        Jobscope bundles a <strong>Jobscope queues</strong> data source, which reads background job systems directly and
        read-only, and a <strong>Jobscope flow</strong> panel that draws each system&apos;s job life cycle with live
        counts. One data source reads one broker or job store:
      </Text>
      <ul aria-label="Kinds of data source">
        {DATASOURCE_KINDS.map((kind) => (
          <li key={kind}>
            <Text weight="medium">{KIND_NAMES[kind]}</Text>
            <Text color="secondary">: {systemNames(kind)}</Text>
          </li>
        ))}
      </ul>
      <Text element="p" color={enabled ? 'success' : 'secondary'}>
        {enabled
          ? 'The app is enabled: add a Jobscope queues data source, then open the Jobscope overview dashboard.'
          : 'Enable the app to install the bundled data source, panel and dashboard.'}
      </Text>
      <TextLink href="/connections/datasources/new" inline={false}>
        Add a Jobscope queues data source
      </TextLink>
    </Stack>
  );
}
