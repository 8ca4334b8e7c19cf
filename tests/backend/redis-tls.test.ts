/**
 * TLS to Redis: a throw-away TLS-only redis-server on loopback with a certificate from a
 * throw-away CA (tests/support/tls.ts); the data source trusts it through the CA in its secure settings, a BullMQ
 * queue made over TLS is read, and an untrusted certificate is refused with a clear error.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Queue } from 'bullmq';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { waitUntil } from '../support/redis';
import { freePort, makeTestPki } from '../support/tls';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-tls-'));
let port: number;
let server: ChildProcess;
let plugin: PluginProcess;
let grafana: GrafanaClient;
let ca: string;

beforeAll(async () => {
  const pki = makeTestPki(dir);
  ca = pki.ca;
  port = await freePort();
  server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--tls-port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--tls-cert-file',
      pki.certFile,
      '--tls-key-file',
      pki.keyFile,
      '--tls-ca-cert-file',
      pki.caFile,
      '--tls-auth-clients',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' }
  );
  const connection = {
    host: '127.0.0.1',
    port,
    db: 3,
    tls: { ca, servername: '127.0.0.1' },
    maxRetriesPerRequest: null,
  };
  await waitUntil(
    'the TLS Redis to answer',
    async () => {
      const q = new Queue('secure-emails', { connection });
      q.on('error', () => undefined); // refused until the server is up
      try {
        await q.add('welcome', { to: 'a@example.com' });
        return true;
      } catch {
        return false;
      } finally {
        await q.close().catch(() => undefined);
      }
    },
    15_000
  );
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
}, 30_000);

afterAll(() => {
  grafana?.close();
  plugin?.kill();
  server?.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

it('reads BullMQ over rediss:// with the CA from the secure settings, in the URL’s database', async () => {
  const ds = {
    uid: 'tls-ds',
    jsonData: { kind: 'redis', url: `rediss://127.0.0.1:${port}/3` },
    secureJsonData: { tlsCACert: ca },
  };
  const health = await grafana.checkHealth(ds);
  expect(health.message).toMatch(/^Connected to Redis [\d.]+\. Found 1 bullmq queue\.$/);
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { metrics: ['wait'] } }]);
  expect(readNumeric(A.frames.map(decodeFrame))).toEqual([
    { metric: 'wait', labels: { system: 'bullmq', queue: 'secure-emails' }, value: 1 },
  ]);
});

it('refuses a certificate it cannot verify, saying so', async () => {
  const health = await grafana.checkHealth({
    uid: 'tls-untrusted',
    jsonData: { kind: 'redis', url: `rediss://127.0.0.1:${port}/3` },
  });
  expect(health.status).toBe(2);
  expect(health.message).toMatch(
    /^TLS with Redis at rediss:\/\/127\.0\.0\.1:\d+\/3 failed: self[- ]signed certificate in certificate chain\. Add the server's CA certificate/
  );
});
