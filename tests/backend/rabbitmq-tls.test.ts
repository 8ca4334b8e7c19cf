/**
 * TLS to RabbitMQ, through the packaged executable. The loopback broker speaks plain HTTP
 * and AMQP, so the test puts TLS-terminating proxies of its own in front of it, with a
 * throw-away CA: an https server forwarding to the management API (15672) and a TLS server
 * forwarding to AMQP (5672). As the read-only monitoring user, in a vhost of its own:
 * the CA from the secure settings is trusted, an unknown CA or none is refused with a
 * message naming the certificate problem (502, downstream), "Skip TLS verify" accepts any
 * certificate, and the password appears in no error and no log line.
 */
import * as amqp from 'amqplib';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import {
  AMQP_HOST,
  amqpUrl,
  api,
  API,
  deleteVhost,
  makeVhost,
  MONITOR,
  waitForQueues,
} from '../systems/rabbitmq/broker';
import { makeTestPki, TestPki } from '../support/tls';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-rabbit-tls-'));
const QUEUE = 'secure.jobs';
/**
 * The monitoring user's password equals its name, which error messages may carry; the
 * failing data sources use this one instead, so its absence from errors and logs means
 * something (TLS fails before any credential is sent, so it changes nothing else).
 */
const SECRET = 'Tls-Secret-7f3a9c2e';
let pki: TestPki;
let otherCa: string;
let httpsProxy: https.Server;
let amqpsProxy: tls.Server;
const proxied = { http: 0, amqp: 0 };
const sockets = new Set<net.Socket>();
let managementUrl: string;
let amqpsHost: string;
let vhost: string | undefined;
let plugin: PluginProcess;
let grafana: GrafanaClient;

const listen = (server: net.Server) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

const track = (s: net.Socket) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => undefined); // a client refusing our certificate resets the socket
};

/** The data source under test: the monitoring user, our vhost, the management API over https. */
const mgmt = (
  uid: string,
  json: Record<string, unknown> = {},
  secure: Record<string, string> = {}
): DatasourceSettings => ({
  uid: `rmq-tls-${uid}`,
  jsonData: { kind: 'rabbitmq', managementUrl, username: MONITOR.user, vhost, ...json },
  secureJsonData: { password: MONITOR.password, ...secure },
});

/** The same without management URL: AMQP passive declares over amqps:// only. */
const amqps = (
  uid: string,
  json: Record<string, unknown> = {},
  secure: Record<string, string> = {}
): DatasourceSettings => ({
  uid: `rmq-tls-${uid}`,
  jsonData: {
    kind: 'rabbitmq',
    url: `amqps://${amqpsHost}/${encodeURIComponent(vhost!)}`,
    username: MONITOR.user,
    ...json,
  },
  secureJsonData: { password: MONITOR.password, ...secure },
});

beforeAll(async () => {
  pki = makeTestPki(path.join(dir, 'pki'));
  otherCa = makeTestPki(path.join(dir, 'other'), 'Some other CA').ca;
  const upstream = new URL(API);
  httpsProxy = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    proxied.http++;
    const fwd = http.request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }
    );
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  httpsProxy.on('secureConnection', track);
  httpsProxy.on('tlsClientError', () => undefined);
  const [amqpHost, amqpPort] = AMQP_HOST.split(':');
  amqpsProxy = tls.createServer({ cert: pki.cert, key: pki.key }, (client) => {
    proxied.amqp++;
    track(client);
    const broker = net.connect(Number(amqpPort), amqpHost);
    track(broker);
    client.pipe(broker).pipe(client);
    broker.on('close', () => client.destroy());
    client.on('close', () => broker.destroy());
  });
  amqpsProxy.on('tlsClientError', () => undefined);
  managementUrl = `https://127.0.0.1:${await listen(httpsProxy)}`;
  amqpsHost = `127.0.0.1:${await listen(amqpsProxy)}`;

  // Our own vhost; the monitoring user may read it but neither configure nor write.
  vhost = await makeVhost('tls');
  const conn = await amqp.connect(amqpUrl(vhost));
  try {
    const ch = await conn.createConfirmChannel();
    await ch.assertQueue(QUEUE, { durable: true });
    for (let i = 0; i < 3; i++) {
      ch.sendToQueue(QUEUE, Buffer.from(JSON.stringify({ i })));
    }
    await ch.waitForConfirms();
  } finally {
    await conn.close();
  }
  await waitForQueues(vhost, { [QUEUE]: [3, 0, 0] });
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  for (const s of sockets) {
    s.destroy();
  }
  httpsProxy?.closeAllConnections();
  await Promise.all([httpsProxy, amqpsProxy].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
  if (vhost) {
    await deleteVhost(vhost);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

async function wait(ds: DatasourceSettings): Promise<number | undefined> {
  const { A } = await grafana.queryData(ds, [
    { refId: 'A', json: { queryType: 'overview', queues: [QUEUE], metrics: ['wait'] } },
  ]);
  expect({ error: A.error ?? '', status: A.status }).toEqual({ error: '', status: 200 });
  return readNumeric(A.frames.map(decodeFrame)).find((v) => v.labels.queue === QUEUE && v.metric === 'wait')?.value;
}

describe('management API over https', () => {
  it('trusts the CA from the secure settings: CheckHealth and an overview matching the API', async () => {
    const before = proxied.http;
    const ds = mgmt('ca', {}, { tlsCACert: pki.ca });
    const health = await grafana.checkHealth(ds);
    expect(health.message).toMatch(
      new RegExp(
        `^Connected to RabbitMQ 3\\.[\\d.]+ \\(cluster [^)]+\\), vhost "${vhost}"\\. Found 1 rabbitmq queue\\.`
      )
    );
    expect(health.status).toBe(1);
    const own = (await api('GET', `queues/${encodeURIComponent(vhost!)}/${encodeURIComponent(QUEUE)}`)).body;
    expect(await wait(ds)).toBe(own.messages_ready);
    expect(own.messages_ready).toBe(3);
    expect(proxied.http).toBeGreaterThan(before); // it went through the TLS endpoint
  });

  it('without the CA, verification on, refuses the certificate and says what to do (502, downstream)', async () => {
    for (const [uid, secure] of [
      ['none', {}],
      ['wrong-ca', { tlsCACert: otherCa }],
    ] as const) {
      const ds = mgmt(uid, {}, { ...secure, password: SECRET });
      const health = await grafana.checkHealth(ds);
      expect(health.status).toBe(2);
      expect(health.message).toMatch(
        /^TLS to RabbitMQ management API at https:\/\/127\.0\.0\.1:\d+ failed: unable to verify the first certificate\. Add the server's CA certificate in the data source's TLS settings, or enable "Skip TLS verify"/
      );
      expect(health.message).not.toContain(SECRET);
      const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview' } }]);
      expect([A.status, A.errorSource]).toEqual([502, 'downstream']);
      expect(A.error).toMatch(/unable to verify the first certificate/);
      expect(A.error).not.toContain(SECRET);
    }
  });

  it('sends the secure password over the verified connection: a wrong one is refused (401), unnamed', async () => {
    const health = await grafana.checkHealth(mgmt('wrong-password', {}, { tlsCACert: pki.ca, password: SECRET }));
    expect(health.status).toBe(2);
    expect(health.message).toMatch(/refused the credentials of user "jobscope-monitor" \(401\)/);
    expect(health.message).not.toContain(SECRET);
  });

  it('accepts any certificate with "Skip TLS verify"', async () => {
    const ds = mgmt('skip', { tlsSkipVerify: true });
    expect((await grafana.checkHealth(ds)).status).toBe(1);
    expect(await wait(ds)).toBe(3);
  });
});

describe('AMQP over amqps:// (no management URL: passive declares)', () => {
  it('trusts the CA from the secure settings', async () => {
    const before = proxied.amqp;
    const ds = amqps('amqps-ca', {}, { tlsCACert: pki.ca });
    const health = await grafana.checkHealth(ds);
    expect(health.message).toMatch(/^Connected to RabbitMQ 3\.[\d.]+.* over AMQP/);
    expect(health.status).toBe(1);
    expect(await wait(ds)).toBe(3);
    expect(proxied.amqp).toBeGreaterThan(before);
  });

  it('refuses an unknown certificate with a clear error, and accepts it with "Skip TLS verify"', async () => {
    const bad = amqps('amqps-none', {}, { password: SECRET });
    const health = await grafana.checkHealth(bad);
    expect(health.status).toBe(2);
    expect(health.message).toMatch(
      /^TLS to RabbitMQ at amqps:\/\/127\.0\.0\.1:\d+\/jstest-tls-\w+ failed: unable to verify the first certificate\. Add the server's CA certificate/
    );
    expect(health.message).not.toContain(SECRET);
    const { A } = await grafana.queryData(bad, [{ refId: 'A', json: { queryType: 'overview', queues: [QUEUE] } }]);
    expect([A.status, A.errorSource]).toEqual([502, 'downstream']);
    expect(A.error).not.toContain(SECRET);
    expect(await wait(amqps('amqps-skip', { tlsSkipVerify: true }))).toBe(3);
  });
});

describe('after all of the above', () => {
  it('never wrote a password into the plugin log', () => {
    expect(plugin.stderr.length).toBeGreaterThan(0);
    expect(plugin.stderr.join('\n')).not.toContain(SECRET);
  });
});
