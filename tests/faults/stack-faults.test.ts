/**
 * A Jobscope bug (a plugin 500) is logged with its stack, and that stack carries no
 * absolute path: the packaged executable records the path its bundle had on the build
 * machine as the script's file name. A preload (NODE_OPTIONS, honoured by Node's single
 * executables) makes String#split throw on a marker, so a real bug path runs: the settings
 * code of the bundle calling split.
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
};\n`
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
