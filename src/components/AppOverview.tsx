import React from 'react';
import type { AppPluginMeta, PluginConfigPageProps } from '@grafana/data';
import { Stack, Text, TextLink } from '@grafana/ui';

export type AppOverviewProps = PluginConfigPageProps<AppPluginMeta<{}>>;

/** The app's configuration tab: what the app bundles and where to start. */
export function AppOverview({ plugin }: AppOverviewProps) {
  const enabled = Boolean(plugin.meta.enabled);
  return (
    <Stack direction="column" gap={2}>
      <Text element="p">
        Jobscope bundles a <strong>Jobscope queues</strong> data source (BullMQ, Bull, Sidekiq, Celery and RQ on Redis)
        and a <strong>Jobscope flow</strong> panel that draws the job life cycle with live counts.
      </Text>
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
