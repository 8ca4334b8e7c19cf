#!/usr/bin/env node
/**
 * Packaging figures for the backend: size of dist/, start-to-handshake time and idle
 * memory of the packaged executable, each set beside a bare Node.js process measured in
 * the same run (ratios, since this machine is shared and noisy).
 *
 *   node bench/startup.mjs [runs=15]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const exe = path.join(root, 'dist', 'datasource', 'gpx_jobscope_linux_amd64');
const runs = Number(process.argv[2] || 15);
const env = {
  grafana_plugin_type: 'datasource',
  PLUGIN_PROTOCOL_VERSIONS: '2',
  PLUGIN_MIN_PORT: '10000',
  PLUGIN_MAX_PORT: '25000',
};

function dirSize(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

function rssKiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
}

/** Spawns a command, resolves when its first stdout line arrives: {ms, child}. */
function firstLine(cmd, args, childEnv) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: childEnv, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.once('data', () => resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, child }));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${cmd} exited with ${code} before printing`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A bare Node.js process that also prints one line and then idles: the floor.
const bareArgs = ['-e', 'process.stdout.write("ready\\n"); setInterval(() => {}, 1000)'];

const plugin = [];
const bare = [];
for (let i = 0; i < runs; i++) {
  // alternate, so drift on the machine hits both sides alike
  for (const [list, cmd, args] of [
    [plugin, exe, []],
    [bare, process.execPath, bareArgs],
  ]) {
    const { ms, child } = await firstLine(cmd, args, env);
    list.push({ ms, child });
  }
}
await sleep(2000); // idle
const pluginRss = median(plugin.map((r) => rssKiB(r.child.pid)));
const bareRss = median(bare.map((r) => rssKiB(r.child.pid)));
[...plugin, ...bare].forEach((r) => r.child.kill('SIGKILL'));

const distBytes = dirSize(path.join(root, 'dist'));
const exeBytes = fs.statSync(exe).size;
const pMs = median(plugin.map((r) => r.ms));
const bMs = median(bare.map((r) => r.ms));
console.log(`dist/ total                       ${(distBytes / 2 ** 20).toFixed(1)} MiB`);
console.log(`gpx_jobscope_linux_amd64          ${(exeBytes / 2 ** 20).toFixed(1)} MiB (Node runtime included)`);
console.log(
  `start to handshake (median of ${runs})  plugin ${pMs.toFixed(1)} ms, bare node ${bMs.toFixed(1)} ms, ratio ${(pMs / bMs).toFixed(2)}x`
);
console.log(
  `idle RSS after 2 s               plugin ${(pluginRss / 1024).toFixed(1)} MiB, bare node ${(bareRss / 1024).toFixed(1)} MiB, ratio ${(pluginRss / bareRss).toFixed(2)}x`
);
