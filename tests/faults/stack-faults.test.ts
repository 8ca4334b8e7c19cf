/**
 * A Jobscope bug (a plugin 500) is logged with its stack, and that stack carries no
 * absolute path: the packaged executable records the path its bundle had on the build
 * machine as the script's file name. A preload (NODE_OPTIONS, honoured by Node's single
 * executables) makes String#split throw on a marker, so a real bug path runs: the settings
 * code of the bundle calling split. The same preload, on SIGUSR2, leaves a rejection
 * unhandled and throws from a timer: the last-resort handlers log both (scrubbed) and the
 * process keeps serving.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';

jest.setTimeout(30_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-stack-'));
const probe = path.join(dir, 'probe.js');
let plugin: PluginProcess;
let grafana: GrafanaClient;

beforeAll(async () => {
  fs.writeFileSync(
    probe,
    `const split = String.prototype.split;
String.prototype.split = function (...a) {
  if (String(this).includes('STACKPROBE')) throw new TypeError('stack probe');
  return split.apply(this, a);
};
process.on('SIGUSR2', () => {
  Promise.reject(new Error('probe rejection redis://u:probe-password-123@h:6379'));
  setTimeout(() => { throw new Error('probe throw'); }, 10);
});\n`
  );
  plugin = await startPlugin({ env: { NODE_OPTIONS: `--require ${probe}` } });
  grafana = new GrafanaClient(plugin.target);
});

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await plugin?.exited;
  fs.rmSync(dir, { recursive: true, force: true });
});

it('logs a plugin 500 with a stack of base names only', async () => {
  const r = await grafana.queryData({ uid: 'probe', jsonData: { redisMode: 'cluster', redisNodes: 'STACKPROBE:1' } }, [
    { refId: 'A', json: {} },
  ]);
  expect([r.A.status, r.A.errorSource, r.A.error]).toEqual([500, 'plugin', 'stack probe']);
  const line = plugin.stderr.find((l) => /"query failed"/.test(l));
  const stack: string = JSON.parse(line!).stack;
  expect(stack).toMatch(/at redisSettings \(main\.js:\d+:\d+\)/);
  // No absolute path of any kind: not the repository, not the build directory, not the preload's.
  expect(stack).not.toMatch(/[(\s]\/[^\s]*\//);
  expect(plugin.stderr.join('\n')).not.toContain(path.resolve(__dirname, '../..'));
  expect(await grafana.ping()).toBe(1);
});

it('logs what nothing caught, scrubbed, counts it, and keeps serving', async () => {
  plugin.child.kill('SIGUSR2');
  const started = Date.now();
  while (plugin.stderr.filter((l) => /kept serving/.test(l)).length < 2 && Date.now() - started < 5000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const caught = plugin.stderr.filter((l) => /kept serving/.test(l)).map((l) => JSON.parse(l));
  expect(caught.map((c) => [c['@level'], c['@message'], c.error])).toEqual([
    ['error', 'unhandledRejection (kept serving)', 'probe rejection redis://u:***@h:6379'],
    ['error', 'uncaughtException (kept serving)', 'probe throw'],
  ]);
  expect(caught[1].stack).toMatch(/probe\.js:\d+/);
  expect(caught.map((c) => c.stack).join('')).not.toMatch(/[(\s]\/[^\s]*\//);
  expect(plugin.child.exitCode).toBeNull();
  expect(await grafana.ping()).toBe(1);
  const metrics = await grafana.collectMetrics();
  expect(metrics).toMatch(/jobscope_uncaught_errors_total\{kind="unhandledRejection"\} 1/);
  expect(metrics).toMatch(/jobscope_uncaught_errors_total\{kind="uncaughtException"\} 1/);
});
