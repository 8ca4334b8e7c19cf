/**
 * Every kind against a TCP port that accepts and never answers, and against a port where
 * nothing listens, through the packaged executable: each call answers within the data
 * source's bound (timeoutSeconds 2 here) as a downstream error saying what did not
 * answer, the process keeps serving, and the password marker never comes back.
 */
import { closedPort, expectError, faultDatasource, FaultRig, SECRET, silentListener } from './support';

jest.setTimeout(60_000);

let rig: FaultRig;
let silent: Awaited<ReturnType<typeof silentListener>>;
let closed: number;

beforeAll(async () => {
  silent = await silentListener();
  closed = await closedPort();
  rig = await FaultRig.launch();
});

afterAll(async () => {
  rig?.printTimings('Faults per kind');
  await rig?.stop();
  await silent?.close();
});

afterEach(async () => {
  await rig.expectAlive();
  await rig.expectNoSecret();
});

type Case = [kind: string, settings: (port: number) => Record<string, unknown>, silentAnswer: RegExp, query?: object];

const cases: Case[] = [
  [
    'rabbitmq (management HTTP)',
    (port) => ({ kind: 'rabbitmq', managementUrl: `http://127.0.0.1:${port}`, username: 'monitor' }),
    /management API .*(did not answer|unreachable)/,
  ],
  [
    'rabbitmq (AMQP)',
    (port) => ({ kind: 'rabbitmq', url: `amqp://monitor:${SECRET}@127.0.0.1:${port}/` }),
    /RabbitMQ at .*(AMQP handshake|unreachable|did not answer)/,
    // Without the management API only named queues can be read (passive declares).
    { queryType: 'overview', queues: ['jobs'] },
  ],
  [
    'postgres',
    (port) => ({ kind: 'postgres', url: `postgres://reader:${SECRET}@127.0.0.1:${port}/app` }),
    /PostgreSQL at .*(did not answer|cannot reach)/,
  ],
  ['nats', (port) => ({ kind: 'nats', url: `nats://127.0.0.1:${port}`, username: 'monitor' }), /NATS|did not answer/],
  ['kafka', (port) => ({ kind: 'kafka', url: `127.0.0.1:${port}`, username: 'monitor' }), /Kafka|did not answer/],
  ['redis', (port) => ({ kind: 'redis', url: `redis://:${SECRET}@127.0.0.1:${port}/0` }), /Redis at .*did not answer/],
];

describe.each(cases)('%s', (kind, settings, silentAnswer, query = { queryType: 'overview' }) => {
  it('a silent port: query, health and the queues resource answer within the bound as a downstream 502/504', async () => {
    const ds = faultDatasource(`silent-${kind}`, settings(silent.port), { password: SECRET });
    const { value } = await rig.query(`${kind}: silent port`, ds, query);
    expectError(value, 'downstream', [502, 504], silentAnswer);
    const health = await rig.health(`${kind}: silent port`, ds);
    expect(health.value.status).toBe(2);
    expect(health.details.errorSource).toBe('downstream');
    if (!kind.includes('AMQP')) {
      const res = await rig.resource(`${kind}: silent port`, ds, 'queues');
      expect([502, 504]).toContain(res.value.code);
    }
  });

  it('an unreachable port: a downstream 502/504', async () => {
    const ds = faultDatasource(`closed-${kind}`, settings(closed), { password: SECRET });
    const { value } = await rig.query(`${kind}: closed port`, ds, query);
    expectError(value, 'downstream', [502, 504]);
    const health = await rig.health(`${kind}: closed port`, ds);
    expect(health.value.status).toBe(2);
  });
});

it('a live stream on a silent broker sends an error frame within the bound and keeps the process serving', async () => {
  const ds = faultDatasource('silent-stream', {
    kind: 'redis',
    url: `redis://127.0.0.1:${silent.port}/0`,
    streamIntervalMs: 500,
  });
  const path = `overview/${Buffer.from(JSON.stringify({})).toString('base64url')}`;
  const started = Date.now();
  const stream = rig.grafana.runStream(ds, path);
  try {
    await stream.waitFor(1, 10_000);
    const ms = Date.now() - started;
    rig.timings.push({ fault: 'live stream, silent Redis (first frame)', ms, outcome: 'error notice' });
    const frame = stream.packets[0] as { schema?: { meta?: { notices?: Array<{ text: string }> } } };
    expect(frame.schema?.meta?.notices?.[0]?.text).toMatch(/did not answer/);
  } finally {
    stream.cancel();
    await stream.ended;
  }
});
