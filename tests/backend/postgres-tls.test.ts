/**
 * TLS to PostgreSQL, through the packaged executable. The test starts a PostgreSQL server
 * of its own (initdb in a temporary directory) with ssl = on, a server certificate from a
 * throw-away CA and a pg_hba.conf that accepts TCP only over TLS (hostssl), with a
 * SCRAM password for the role Jobscope uses. pg-boss itself creates its schema and jobs
 * over TLS. Then: verify-full with the CA from the secure settings reads the jobs (and the
 * server sees an encrypted session); a wrong CA or none is refused naming the certificate
 * problem; sslmode=disable is refused by the server with its pg_hba reason; a wrong secure
 * password is refused; no password ever appears in an error or a log line.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import PgBoss from 'pg-boss';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { makeTestPki, TestPki } from '../support/tls';
import { startThrowawayPostgres, ThrowawayPostgres } from '../support/throwaway-postgres';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-pg-tls-'));
const ROLE = 'jobscope_reader';
const PASSWORD = 'Pg-Tls-Secret-4e81b07d';
const QUEUE = 'reports';
let pki: TestPki;
let otherCa: string;
let server: ThrowawayPostgres | undefined;
let boss: PgBoss | undefined;
let plugin: PluginProcess;
let grafana: GrafanaClient;

const hostPort = () => `127.0.0.1:${server!.port}`;
const adminConfig = (database: string) => ({
  host: '127.0.0.1',
  port: server!.port,
  user: 'postgres',
  database,
  ssl: { ca: pki.ca },
});

async function admin<T>(database: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client(adminConfig(database));
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** The data source: the password only in the secure settings, never in the URL. */
const source = (
  uid: string,
  query: string,
  secure: Record<string, string> = {},
  json: Record<string, unknown> = {}
): DatasourceSettings => ({
  uid: `pg-tls-${uid}`,
  jsonData: { kind: 'postgres', url: `postgres://${ROLE}@${hostPort()}/jobs${query}`, ...json },
  secureJsonData: { password: PASSWORD, ...secure },
});

beforeAll(async () => {
  pki = makeTestPki(path.join(dir, 'pki'));
  otherCa = makeTestPki(path.join(dir, 'other'), 'Some other CA').ca;
  server = await startThrowawayPostgres({
    hba: [
      'local all all trust',
      // TCP only with TLS: the superuser (the test's own setup) by trust, everyone else by password.
      'hostssl all postgres 127.0.0.1/32 trust',
      'hostssl all all 127.0.0.1/32 scram-sha-256',
    ],
    files: { 'server.pem': pki.cert, 'server.key': pki.key },
    settings: {
      ssl: 'on',
      ssl_cert_file: "'server.pem'",
      ssl_key_file: "'server.key'",
      password_encryption: "'scram-sha-256'",
    },
  });
  await admin('postgres', (c) => c.query('CREATE DATABASE jobs'));

  // pg-boss makes its schema and the jobs itself, over TLS.
  boss = new PgBoss({ ...adminConfig('jobs'), supervise: false, schedule: false, max: 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue(QUEUE);
  for (let i = 0; i < 3; i++) {
    await boss.send(QUEUE, { report: i });
  }
  await boss.send(QUEUE, { later: true }, { startAfter: 3600 });
  expect(await boss.fetch(QUEUE)).toHaveLength(1);

  await admin('jobs', (c) =>
    c.query(
      `CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}' NOSUPERUSER NOCREATEDB NOCREATEROLE;
       GRANT USAGE ON SCHEMA pgboss TO ${ROLE}; GRANT SELECT ON ALL TABLES IN SCHEMA pgboss TO ${ROLE}`
    )
  );
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
}, 90_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
  server?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function overview(ds: DatasourceSettings): Promise<Record<string, number | undefined>> {
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview', queues: [QUEUE] } }]);
  expect({ error: A.error ?? '', status: A.status }).toEqual({ error: '', status: 200 });
  const values = readNumeric(A.frames.map(decodeFrame));
  const get = (metric: string) =>
    values.find((v) => v.labels.queue === QUEUE && v.labels.system === 'pg-boss' && v.metric === metric)?.value;
  return { wait: get('wait'), delayed: get('delayed'), active: get('active') };
}

it('reads pg-boss over verify-full TLS with the CA from the secure settings, as a password role', async () => {
  const ds = source('verify-full', '?sslmode=verify-full', { tlsCACert: pki.ca });
  const health = await grafana.checkHealth(ds);
  expect(health.message).toMatch(/^Connected to PostgreSQL 15\.\d+.*, database "jobs"\. Found 1 pg-boss queue\.$/);
  expect(health.status).toBe(1);
  const counts = await overview(ds);
  expect(counts).toEqual({ wait: 2, delayed: 1, active: 1 });
  expect(counts.wait! + counts.delayed!).toBe(await boss!.getQueueSize(QUEUE));
  // The server's own view: Jobscope's sessions (application_name) are encrypted.
  const sessions = await admin('jobs', (c) =>
    c.query(
      `SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'jobscope' AND a.usename = $1`,
      [ROLE]
    )
  );
  expect(sessions.rows.length).toBeGreaterThan(0);
  expect(sessions.rows.every((r) => r.ssl === true && /^TLSv1\.[23]$/.test(r.version))).toBe(true);
});

it('uses TLS when only the CA certificate is set (no sslmode), and with sslmode=require without one', async () => {
  expect(await overview(source('ca-only', '', { tlsCACert: pki.ca }))).toEqual({ wait: 2, delayed: 1, active: 1 });
  // libpq's require: encrypted, certificate not verified.
  expect((await grafana.checkHealth(source('require', '?sslmode=require'))).status).toBe(1);
});

it('refuses a certificate from a wrong CA, or from no configured CA, naming the problem (502, downstream)', async () => {
  for (const [uid, secure] of [
    ['wrong-ca', { tlsCACert: otherCa }],
    ['no-ca', {}],
  ] as const) {
    const ds = source(uid, '?sslmode=verify-full', secure);
    const health = await grafana.checkHealth(ds);
    expect(health.status).toBe(2);
    expect(health.message).toMatch(
      new RegExp(
        `^TLS to PostgreSQL at postgres://${ROLE}@127\\.0\\.0\\.1:${server!.port}/jobs failed: unable to verify the first certificate; check the CA certificate or the TLS settings$`
      )
    );
    const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview' } }]);
    expect([A.status, A.errorSource]).toEqual([502, 'downstream']);
    expect(A.error).toBe(health.message);
  }
});

it('with sslmode=disable is refused by the hostssl-only server, with the server’s reason', async () => {
  // Even with a CA saved, an explicit sslmode=disable means no TLS.
  for (const ds of [
    source('disable', '?sslmode=disable'),
    source('disable-ca', '?sslmode=disable', { tlsCACert: pki.ca }),
  ]) {
    const health = await grafana.checkHealth(ds);
    expect(health.status).toBe(2);
    expect(health.message).toBe(
      `PostgreSQL at postgres://${ROLE}@127.0.0.1:${server!.port}/jobs refused user "${ROLE}" (28000): check the user name, the password and pg_hba.conf ` +
        `(no pg_hba.conf entry for host "127.0.0.1", user "${ROLE}", database "jobs", no encryption)`
    );
  }
});

it('sends the password from the secure settings: a wrong one is refused over TLS, and not echoed', async () => {
  const wrong = 'Wrong-Pg-Secret-19c3';
  const health = await grafana.checkHealth(
    source('wrong-password', '?sslmode=verify-full', { tlsCACert: pki.ca, password: wrong })
  );
  expect(health.status).toBe(2);
  expect(health.message).toMatch(
    new RegExp(
      `refused user "${ROLE}" \\(28P01\\): check the user name, the password and pg_hba\\.conf \\(password authentication failed for user "${ROLE}"\\)$`
    )
  );
  expect(health.message).not.toContain(wrong);
  expect(plugin.stderr.join('\n')).not.toContain(wrong);
});

describe('after all of the above', () => {
  it('never wrote a password into the plugin log or the server log', () => {
    expect(plugin.stderr.length).toBeGreaterThan(0);
    expect(plugin.stderr.join('\n')).not.toContain(PASSWORD);
    // The server logged the refusals (so the log is the right one) but no secret.
    expect(server!.log()).toMatch(
      /no pg_hba\.conf entry for host "127\.0\.0\.1", user "jobscope_reader", database "jobs", no encryption/
    );
    expect(server!.log()).not.toContain(PASSWORD);
  });
});
