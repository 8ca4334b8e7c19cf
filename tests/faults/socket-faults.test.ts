/**
 * A plugin killed with SIGKILL leaves its unix socket behind; the next plugin started in
 * the same socket directory removes it, and leaves alone what is not stale or not a
 * socket: a live plugin's socket, a listening socket of our name, a regular file named like one.
 */
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { waitUntil } from '../support/redis';

jest.setTimeout(60_000);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-sockets-'));
const env = { PLUGIN_UNIX_SOCKET_DIR: dir };
const plugins: PluginProcess[] = [];
const servers: net.Server[] = [];

afterAll(async () => {
  plugins.forEach((p) => p.kill());
  await Promise.all(plugins.map((p) => p.exited));
  servers.forEach((s) => s.close());
  fs.rmSync(dir, { recursive: true, force: true });
});

it('removes the socket a killed plugin left, and only that', async () => {
  const killed = await startPlugin({ env });
  plugins.push(killed);
  killed.kill('SIGKILL');
  await killed.exited;
  expect(fs.existsSync(killed.handshake.address)).toBe(true); // left behind

  const live = await startPlugin({ env });
  plugins.push(live);
  // A socket named like ours that something listens on (another process's), and a regular file named like one.
  const listening = path.join(dir, 'jobscope-plugin-1-abc.sock');
  const server = net.createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(listening, resolve));
  const regular = path.join(dir, 'jobscope-plugin-2-def.sock');
  fs.writeFileSync(regular, '');
  await waitUntil('the stale socket removed', async () => !fs.existsSync(killed.handshake.address), 10_000);
  const next = await startPlugin({ env });
  plugins.push(next);
  await new Promise((r) => setTimeout(r, 1500)); // its sweep runs after the handshake
  expect(fs.existsSync(live.handshake.address)).toBe(true);
  expect(fs.existsSync(next.handshake.address)).toBe(true);
  expect(fs.existsSync(listening)).toBe(true);
  expect(fs.existsSync(regular)).toBe(true);
  expect(
    live.stderr.some(
      (l) => /removed stale plugin sockets/.test(l) && l.includes(path.basename(killed.handshake.address))
    )
  ).toBe(true);
});
