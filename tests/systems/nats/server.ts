/**
 * A throw-away nats-server with JetStream and three users in one account: `admin` (all),
 * `monitor`, who may publish only to the read-only JetStream API subjects Jobscope uses
 * (INFO, STREAM.LIST/NAMES/INFO, CONSUMER.LIST/NAMES/INFO, STREAM.MSG.GET) and subscribe
 * only to its reply inbox, and `lister`, the same without STREAM.MSG.GET. The loopback server on 4222 is open, so credentials are tested here.
 */
import { execFileSync, spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const ADMIN = { user: 'admin', pass: 'admin-secret-pw' };
export const MONITOR = { user: 'monitor', pass: 'monitor-secret-pw' };
/** Like monitor, without $JS.API.STREAM.MSG.GET: sees consumer infos, no stored message. */
export const LISTER = { user: 'lister', pass: 'lister-secret-pw' };
export const READ_ONLY_API = [
  '$JS.API.INFO',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.NAMES',
  '$JS.API.STREAM.INFO.>',
  '$JS.API.CONSUMER.LIST.>',
  '$JS.API.CONSUMER.NAMES.>',
  '$JS.API.CONSUMER.INFO.>',
  '$JS.API.STREAM.MSG.GET.>',
];

export interface NatsServer {
  url: string;
  /** PEM of the self-signed server certificate when started with TLS. */
  certPem?: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** tls: a self-signed certificate; maxPayload: the server's max_payload in bytes (default 1 MB). */
export async function startNatsServer(opts: { tls?: boolean; maxPayload?: number } = {}): Promise<NatsServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-nats-'));
  const port = await freePort();
  let tlsBlock = '';
  if (opts.tls) {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' }
    );
    tlsBlock = `tls { cert_file: "${dir}/cert.pem", key_file: "${dir}/key.pem" }`;
  }
  const conf = `
listen: "127.0.0.1:${port}"
${opts.maxPayload ? `max_payload: ${opts.maxPayload}\nmax_pending: ${opts.maxPayload * 8}` : ''}
jetstream { store_dir: "${dir}/js" }
${tlsBlock}
accounts {
  APP {
    jetstream: enabled
    users: [
      { user: "${ADMIN.user}", password: "${ADMIN.pass}" }
      { user: "${MONITOR.user}", password: "${MONITOR.pass}",
        permissions: { publish: { allow: ${JSON.stringify(READ_ONLY_API)} }, subscribe: { allow: ["_INBOX.>"] } } }
      { user: "${LISTER.user}", password: "${LISTER.pass}",
        permissions: { publish: { allow: ${JSON.stringify(READ_ONLY_API.filter((s) => !s.includes('MSG.GET')))} }, subscribe: { allow: ["_INBOX.>"] } } }
    ]
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nats.conf'), conf);
  const bin = fs.existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';
  const child: ChildProcess = spawn(bin, ['-c', path.join(dir, 'nats.conf')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) {
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `${opts.tls ? 'tls' : 'nats'}://127.0.0.1:${port}`,
    certPem: opts.tls ? fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8') : undefined,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
