#!/usr/bin/env node
/** Runs a TypeScript entry (benchmarks) by bundling it with esbuild first: node scripts/run-ts.mjs file.ts [args…] */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';

const [entry, ...args] = process.argv.slice(2);
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-run-')), 'main.cjs');
await esbuild.build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: out,
  packages: 'external',
  logLevel: 'warning',
});
// The bundle runs from a temporary folder: point it back at this repository.
const env = {
  ...process.env,
  NODE_PATH: path.resolve('node_modules'),
  JOBSCOPE_PLUGIN_EXECUTABLE:
    process.env.JOBSCOPE_PLUGIN_EXECUTABLE || path.resolve('dist/datasource/gpx_jobscope_linux_amd64'),
};
const res = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit', env });
process.exit(res.status ?? 1);
