import { FieldConfigProperty, PanelPlugin, ThresholdsMode, type SelectableValue } from '@grafana/data';

import { FlowPanel } from './components/FlowPanel';
import { queueNames } from './flow-counts';
import { ALL_QUEUES, type FlowOptions } from './types';

const ALL_OPTION: SelectableValue<string> = { value: ALL_QUEUES, label: 'All queues (sum)' };

export const plugin = new PanelPlugin<FlowOptions>(FlowPanel)
  // Thresholds colour the problem states (failed, retry, dead) by their count; the other
  // states keep their theme colours. Default: green, red from one job.
  .useFieldConfig({
    standardOptions: {
      [FieldConfigProperty.Thresholds]: {
        defaultValue: {
          mode: ThresholdsMode.Absolute,
          steps: [
            { value: -Infinity, color: 'green' },
            { value: 1, color: 'red' },
          ],
        },
      },
    },
    disableStandardOptions: [
      FieldConfigProperty.Min,
      FieldConfigProperty.Max,
      FieldConfigProperty.Decimals,
      FieldConfigProperty.DisplayName,
      FieldConfigProperty.NoValue,
      FieldConfigProperty.Mappings,
      FieldConfigProperty.Color,
      FieldConfigProperty.Unit,
    ],
  })
  .setPanelOptions((builder) =>
    builder
      .addSelect({
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
      .addBooleanSwitch({
        path: 'showAlertTemplates',
        name: 'Alert rule templates',
        description: 'A bell in the corner with ready-made alert rules for the shown queue(s).',
        defaultValue: true,
      })
  );
