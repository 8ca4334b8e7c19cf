/**
 * Node colours carry meaning: each tone of the catalogue has its own colour (waiting blue,
 * running purple, success green, retrying orange, failed red, idle states neutral, so a
 * quiet Delayed is not a warning); problem states take the colour of the panel's thresholds
 * step their count falls in ("red from 1 failed job" or "orange from 10" is the user's
 * choice); a state with no data ("–") is neutral whatever its tone. Colours come from the
 * theme's visualization palette, so they follow light and dark.
 */
import { getActiveThreshold, type GrafanaTheme2, type ThresholdsConfig } from '@grafana/data';

import type { FlowNodeDef, Tone } from './flow-model';

const TONE_COLOR: Record<Exclude<Tone, 'idle'>, string> = {
  waiting: 'blue',
  running: 'purple',
  success: 'green',
  retrying: 'orange',
  failed: 'red',
};

export function toneColor(theme: GrafanaTheme2, tone: Tone): string {
  return tone === 'idle' ? theme.colors.text.secondary : theme.visualization.getColorByName(TONE_COLOR[tone]);
}

export function nodeColor(
  theme: GrafanaTheme2,
  node: Pick<FlowNodeDef, 'tone' | 'problem'>,
  count: number | undefined,
  thresholds?: ThresholdsConfig
): string {
  if (count === undefined) {
    return theme.colors.text.disabled;
  }
  if (node.problem && thresholds?.steps?.length) {
    return theme.visualization.getColorByName(getActiveThreshold(count, thresholds.steps).color);
  }
  return toneColor(theme, node.tone);
}
