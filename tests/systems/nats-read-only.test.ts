/**
 * The `nats` kind with read-only credentials: a user allowed only the JetStream API's read
 * subjects answers every query type (a write, fetch or ack would be a permissions violation),
 * with the same numbers as the admin's jsm.consumers.info; a wrong password is a 502 that
 * does not echo the password.
 */
import { connect } from 'nats';
import { natsSource } from '../../pkg/kinds/nats/nats-kind';
import type { QueueSource } from '../../pkg/source/queue-source';
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import { makeNatsState, NatsState } from './nats/state';
import { ADMIN, MONITOR, NatsServer, startNatsServer } from './nats/server';

let server: NatsServer;
let state: NatsState;
const sources: QueueSource[] = [];
const window = () => ({ from: Date.now() - 3600_000, to: Date.now(), now: Date.now(), intervalMs: 60_000 });

function source(username: string, password: string, extra: Record<string, unknown> = {}): QueueSource {
  const config: DatasourceConfig = {
    uid: 'nats-ro',
    name: 'nats-ro',
    kind: 'nats',
    json: { kind: 'nats', url: server.url, username, ...extra } as never,
    secure: { password },
    version: 1,
  };
  const s = natsSource(config, {} as Logger);
  sources.push(s);
  return s;
}

beforeAll(async () => {
  server = await startNatsServer();
  state = await makeNatsState({ servers: server.url, user: ADMIN.user, pass: ADMIN.pass });
}, 60_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await state?.release();
  await server?.stop();
});

it('the monitor user really cannot write: creating a stream is refused', async () => {
  const nc = await connect({ servers: server.url, user: MONITOR.user, pass: MONITOR.pass });
  try {
    const jsm = await nc.jetstreamManager();
    await expect(jsm.streams.add({ name: `X_${state.sfx}`, subjects: [`x.${state.sfx}`] })).rejects.toThrow(
      /PERMISSIONS_VIOLATION|permissions|timeout/i
    );
  } finally {
    await nc.close();
  }
});

it('answers every query type with read-only permissions, matching the admin view', async () => {
  const src = source(MONITOR.user, MONITOR.pass, { advisoryStream: state.advisories });
  const health = await src.checkHealth();
  expect(health.systems).toEqual({ jetstream: 3 });
  expect(health.server).toMatch(/with JetStream \(2 streams, 3 consumers\)$/);
  const overview = await src.read({ refId: 'A', queryType: 'overview' }, window());
  if (overview.type !== 'overview') {
    throw new Error(overview.type);
  }
  for (const name of ['idle', 'poller', 'worker']) {
    const own = await state.jsm.consumers.info(state.stream, name);
    const v = overview.stats.find((s) => s.queue === `${state.stream}/${name}`)!.values;
    expect([v.wait, v.active, v.retries, v.workers]).toEqual([
      own.num_pending,
      own.num_ack_pending,
      own.num_redelivered,
      own.num_waiting,
    ]);
    expect(v.oldest_wait_seconds).toBeDefined();
  }
  expect(overview.notices.filter((n) => n.severity !== 'info')).toEqual([]);
  for (const queryType of ['workers', 'timeseries', 'failures'] as const) {
    const r = await src.read({ refId: 'A', queryType }, window());
    expect(r.notices.filter((n) => n.severity !== 'info')).toEqual([]);
  }
  const dead = await src.read({ refId: 'A', queryType: 'jobs', state: 'dead' }, window());
  expect(dead.type === 'jobs' && dead.rows.map((r) => [r.id, r.payload?.kind])).toEqual([
    ['email-6 (seq 6)', 'json'],
    ['email-5 (seq 5)', 'json'],
    ['email-3 (seq 3)', 'json'],
    ['email-4 (seq 4)', 'json'],
  ]);
  expect((await src.listQueues()).length).toBe(3);
});

it('reports a wrong password as a 502 naming the user, never the password', async () => {
  const err = await source(MONITOR.user, 'wrong-password-xyz')
    .checkHealth()
    .catch((e) => e);
  expect(err.status).toBe(502);
  expect(err.message).toMatch(/refused the credentials of user "monitor"/);
  expect(err.message).not.toContain('wrong-password-xyz');
});

describe('TLS', () => {
  let tlsServer: NatsServer;
  beforeAll(async () => {
    tlsServer = await startNatsServer({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await tlsServer?.stop();
  });
  const tlsSource = (extra: Record<string, unknown>, secure: Record<string, string>) => {
    const config: DatasourceConfig = {
      uid: 'nats-tls',
      name: 'nats-tls',
      kind: 'nats',
      json: { kind: 'nats', url: tlsServer.url, username: MONITOR.user, ...extra } as never,
      secure: { password: MONITOR.pass, ...secure },
      version: 1,
    };
    const s = natsSource(config, {} as Logger);
    sources.push(s);
    return s;
  };

  it('connects with the CA certificate, refuses an unknown certificate, accepts it with tlsSkipVerify', async () => {
    const ok = await tlsSource({}, { tlsCACert: tlsServer.certPem! }).checkHealth();
    expect(ok.server).toMatch(/^NATS 2\.\d+\.\d+ .*with JetStream \(0 streams, 0 consumers\)$/);
    const refused = await tlsSource({}, {})
      .checkHealth()
      .catch((e) => e);
    expect(refused.status).toBe(502);
    expect(refused.message).toMatch(/TLS failed \(self[- ]signed certificate/);
    expect((await tlsSource({ tlsSkipVerify: true }, {}).checkHealth()).server).toMatch(/with JetStream/);
  });
});
