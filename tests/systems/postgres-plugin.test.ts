/**
 * The `postgres` kind through the packaged executable, as Grafana runs it: CheckHealth and
 * an overview on real pg-boss state (checked against pg-boss's getQueueSize), and failures
 * in Grafana's terms: server down → 502, wrong database → 400, unknown role → 502, none
 * of them carrying the password.
 */
import PgBoss from 'pg-boss';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { createTestDb, roleDatasource, TestDb } from './postgres/db';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let db: TestDb;
let boss: PgBoss;
let ds: DatasourceSettings;

beforeAll(async () => {
  [plugin, db] = await Promise.all([startPlugin(), createTestDb()]);
  grafana = new GrafanaClient(plugin.target);
  boss = new PgBoss({ connectionString: db.url, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('invoices');
  for (let i = 0; i < 4; i++) {
    await boss.send('invoices', { i });
  }
  await boss.send('invoices', { later: true }, { startAfter: 3600 });
  await boss.fetch('invoices');
  const ro = await db.readOnlyRole(['pgboss']);
  ds = roleDatasource(db, ro, `pg-${db.name}`);
}, 60_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await boss?.stop({ graceful: false, wait: true }).catch(() => undefined);
  await db?.drop();
});

it('reports the server and the pg-boss queues found, as a SELECT-only role', async () => {
  const health = await grafana.checkHealth(ds);
  expect(health.message).toMatch(
    new RegExp(`^Connected to PostgreSQL 1\\d\\.\\d+.*, database "${db.name}"\\. Found 1 pg-boss queue\\.$`)
  );
  expect(health.status).toBe(1);
});

it('answers an overview matching pg-boss getQueueSize, labelled for alerting', async () => {
  const responses = await grafana.queryData(
    ds,
    [{ refId: 'A', json: { queryType: 'overview', queues: ['invoices'] } }],
    { FromAlert: 'true' }
  );
  expect(responses.A.status).toBe(200);
  const values = readNumeric(responses.A.frames.map(decodeFrame));
  const get = (metric: string) =>
    values.find((v) => v.labels.queue === 'invoices' && v.labels.system === 'pg-boss' && v.metric === metric)?.value;
  expect([get('wait'), get('delayed'), get('active')]).toEqual([3, 1, 1]);
  expect(get('wait')! + get('delayed')!).toBe(await boss.getQueueSize('invoices'));
});

it('turns a down server, a missing database and an unknown role into actionable errors without secrets', async () => {
  const secret = 'hunter2-very-secret';
  const cases: Array<[Record<string, unknown>, number, RegExp]> = [
    [
      { kind: 'postgres', url: 'postgres://postgres@127.0.0.1:1/x' },
      502,
      /cannot reach PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/x \(ECONNREFUSED\)/,
    ],
    [
      { kind: 'postgres', url: `postgres://postgres@${db.hostPort}/jobscope_no_such_db` },
      400,
      /database "jobscope_no_such_db" does not exist/,
    ],
    // The loopback server trusts 127.0.0.1 (any password passes), so refuse by role name.
    [
      { kind: 'postgres', url: `postgres://jobscope_no_such_role@${db.hostPort}/${db.name}` },
      502,
      /refused user "jobscope_no_such_role" \(28000\): check the user name, the password/,
    ],
    [
      { kind: 'postgres', url: 'redis://127.0.0.1:6379' },
      400,
      /setting url: must start with postgres:\/\/ or postgresql:\/\//,
    ],
  ];
  for (const [jsonData, status, message] of cases) {
    const bad = { uid: `bad-${status}-${Math.random()}`, jsonData, secureJsonData: { password: secret } };
    const health = await grafana.checkHealth(bad);
    expect(health.status).toBe(2);
    expect(health.message).toMatch(message);
    expect(health.message).not.toContain(secret);
    const r = await grafana.queryData(bad, [{ refId: 'A', json: { queryType: 'overview' } }]);
    expect([r.A.status, r.A.errorSource]).toEqual([status, 'downstream']);
    expect(r.A.error).not.toContain(secret);
  }
});
