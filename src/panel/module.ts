import { PanelPlugin, type SelectableValue } from '@grafana/data';

import { FlowPanel } from './components/FlowPanel';
import { queueNames } from './flow-counts';
import { ALL_QUEUES, type FlowOptions } from './types';

const ALL_OPTION: SelectableValue<string> = { value: ALL_QUEUES, label: 'All queues (sum)' };

export const plugin = new PanelPlugin<FlowOptions>(FlowPanel).setPanelOptions((builder) =>
  builder.addSelect({
    path: 'queue',
    name: 'Queue',
    description: 'Show one queue, or the sum over every queue in the data.',
    defaultValue: ALL_QUEUES,
    settings: {
      allowCustomValue: true,
      options: [ALL_OPTION],
      getOptions: async (context) => [
        ALL_OPTION,
        ...queueNames(context.data ?? []).map((q) => ({ value: q, label: q })),
      ],
    },
  })
);
