/** Rewrites README's per-metric table from the catalogue: node scripts/run-ts.mjs scripts/readme-metric-table.ts */
import { readFileSync, writeFileSync } from 'fs';
import { METRIC_TABLE_BEGIN, METRIC_TABLE_END, metricTable } from '../pkg/model/catalogue/metric-table';

const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(METRIC_TABLE_BEGIN);
const end = readme.indexOf(METRIC_TABLE_END);
if (start < 0 || end < start) {
  throw new Error(`README.md has no ${METRIC_TABLE_BEGIN} … ${METRIC_TABLE_END} block`);
}
writeFileSync(
  'README.md',
  `${readme.slice(0, start + METRIC_TABLE_BEGIN.length)}\n\n${metricTable()}\n\n${readme.slice(end)}`
);
