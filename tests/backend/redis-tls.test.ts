/**
 * TLS to Redis: a throw-away TLS-only redis-server on loopback with a self-signed
 * certificate; the data source trusts it through the CA in its secure settings, a BullMQ
 * queue made over TLS is read, and an untrusted certificate is refused with a clear error.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Queue } from 'bullmq';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { waitUntil } from '../support/redis';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-tls-'));
const port = 16000 + Math.floor(Math.random() * 900);
let server: ChildProcess;
let plugin: PluginProcess;
let grafana: GrafanaClient;
let ca: string;

beforeAll(async () => {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'),
  ], { stdio: 'ignore' });
  ca = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  server = spawn('redis-server', [
    '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--tls-cert-file', path.join(dir, 'cert.pem'), '--tls-key-file', path.join(dir, 'key.pem'),
    '--tls-ca-cert-file', path.join(dir, 'cert.pem'), '--tls-auth-clients', 'no', '--dir', dir,
  ], { stdio: 'ignore' });
  const connection = { host: '127.0.0.1', port, db: 3, tls: { ca, servername: '127.0.0.1' }, maxRetriesPerRequest: null };
  await waitUntil('the TLS Redis to answer', async () => {
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
  }, 15_000);
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
  const ds = { uid: 'tls-ds', jsonData: { kind: 'redis', url: `rediss://127.0.0.1:${port}/3` }, secureJsonData: { tlsCACert: ca } };
  const health = await grafana.checkHealth(ds);
  expect(health.message).toMatch(/^Connected to Redis [\d.]+\. Found 1 bullmq queue\.$/);
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { metrics: ['wait'] } }]);
  expect(readNumeric(A.frames.map(decodeFrame))).toEqual([{ metric: 'wait', labels: { system: 'bullmq', queue: 'secure-emails' }, value: 1 }]);
});

it('refuses a certificate it cannot verify, saying so', async () => {
  const health = await grafana.checkHealth({ uid: 'tls-untrusted', jsonData: { kind: 'redis', url: `rediss://127.0.0.1:${port}/3` } });
  expect(health.status).toBe(2);
  expect(health.message).toMatch(/^TLS with Redis at rediss:\/\/127\.0\.0\.1:\d+\/3 failed: self[- ]signed certificate\. Add the server's CA certificate/);
});
