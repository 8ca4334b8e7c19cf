import { readFileSync } from 'fs';
import { join } from 'path';
import { METRIC_TABLE_BEGIN, METRIC_TABLE_END, metricTable } from './metric-table';

it("README's per-metric table is the catalogue's (node scripts/run-ts.mjs scripts/readme-metric-table.ts rewrites it)", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf(METRIC_TABLE_BEGIN);
  const end = readme.indexOf(METRIC_TABLE_END);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  expect(readme.slice(start + METRIC_TABLE_BEGIN.length, end).trim()).toBe(metricTable());
});
