/**
 * Node colours: each state has its theme colour; problem states (failed, retry, dead) take
 * the colour of the panel's thresholds step their count falls in, so "red from 1 failed job"
 * or "orange from 10" is the user's choice. Theme colours follow light and dark.
 */
import { getActiveThreshold, type GrafanaTheme2, type ThresholdsConfig } from '@grafana/data';

import type { FlowNodeDef, FlowTone } from './flow-model';

export function toneColor(theme: GrafanaTheme2, tone: FlowTone): string {
  return theme.colors[tone].text;
}

export function nodeColor(theme: GrafanaTheme2, node: FlowNodeDef, count: number | undefined, thresholds?: ThresholdsConfig): string {
  if (node.problem && count !== undefined && thresholds?.steps?.length) {
    return theme.visualization.getColorByName(getActiveThreshold(count, thresholds.steps).color);
  }
  return toneColor(theme, node.tone);
}
