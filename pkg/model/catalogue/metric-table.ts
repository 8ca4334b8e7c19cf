/**
 * README's table of what each overview metric means in each system, made from the
 * catalogue so the two cannot drift (metric-table.test.ts checks README holds it).
 */
import { OVERVIEW_METRICS } from '../query';
import { CATALOGUE, METRIC_DEFINITIONS } from './index';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function metricTable(): string {
  const lines = ['| metric | system | what it counts there |', '| --- | --- | --- |'];
  for (const metric of OVERVIEW_METRICS) {
    const systems = CATALOGUE.filter((d) => d.metrics[metric] !== undefined);
    lines.push(`| \`${metric}\` | *every system* | ${cell(METRIC_DEFINITIONS[metric].description)} |`);
    for (const d of systems) {
      lines.push(`| | ${cell(d.name)} | ${cell(d.metrics[metric]!)} |`);
    }
    const without = CATALOGUE.filter((d) => d.metrics[metric] === undefined).map((d) => d.name);
    if (without.length > 0 && systems.length > 0) {
      lines.push(`| | *not kept by* | ${cell(without.join(', '))} (a notice says so) |`);
    }
  }
  return lines.join('\n');
}

/** Where the table sits in README.md. */
export const METRIC_TABLE_BEGIN = '<!-- metric-table: made from pkg/model/catalogue by metric-table.ts -->';
export const METRIC_TABLE_END = '<!-- /metric-table -->';
