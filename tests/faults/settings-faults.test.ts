/**
 * Settings and query mistakes through the packaged executable: each is a downstream 400
 * naming the setting or field (never a plugin 500 such as "x.split is not a function",
 * never blamed on the broker), answered at once, with no secret in the answer or the logs.
 * The refused settings never reach a broker: they are refused before any connection is made.
 */
import { expectError, faultDatasource, FaultRig, SECRET } from './support';
import { TEST_CA } from '../../pkg/kinds/test-pem';
import { ERROR_TEXT_BYTES } from '../../pkg/errors/errors';

jest.setTimeout(60_000);

let rig: FaultRig;

beforeAll(async () => {
  rig = await FaultRig.launch();
});

afterAll(async () => {
  rig?.printTimings('Settings and query faults');
  await rig?.stop();
});

afterEach(async () => {
  await rig.expectAlive();
  await rig.expectNoSecret();
});

const settingsCases: Array<[string, Record<string, unknown>, Record<string, string>, RegExp]> = [
  ['redisNodes: 7000', { redisMode: 'cluster', redisNodes: 7000 }, {}, /setting redisNodes: must be text/],
  ['sidekiqNamespace: 5', { url: 'redis://127.0.0.1:6379/9', sidekiqNamespace: 5 }, {}, /setting sidekiqNamespace/],
  ['discoveryPattern: 123', { url: 'redis://127.0.0.1:6379/9', discoveryPattern: 123 }, {}, /setting discoveryPattern/],
  ['bullPrefix: 42', { url: 'redis://127.0.0.1:6379/9', bullPrefix: 42 }, {}, /setting bullPrefix/],
  [
    'redis URL with a password and a bad port',
    { url: `redis://:${SECRET}@127.0.0.1:abc` },
    {},
    /setting url: .*not a valid URL/,
  ],
  [
    'garbage CA for rediss://',
    { url: 'rediss://127.0.0.1:6380/0' },
    { tlsCACert: `garbage ${SECRET}` },
    /setting tlsCACert/,
  ],
  [
    'a broken certificate block for rediss://',
    { url: 'rediss://127.0.0.1:6380/0' },
    { tlsCACert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' },
    /setting tlsCACert/,
  ],
  [
    'rabbitmq management URL with a bad port',
    { kind: 'rabbitmq', managementUrl: 'http://127.0.0.1:99999' },
    {},
    /setting managementUrl: .*not a valid URL/,
  ],
  [
    'rabbitmq management URL http://[::1',
    { kind: 'rabbitmq', managementUrl: 'http://[::1' },
    {},
    /setting managementUrl: .*not a valid URL/,
  ],
  [
    'rabbitmq AMQP URL with a bad port',
    { kind: 'rabbitmq', url: `amqp://u:${SECRET}@127.0.0.1:port/` },
    {},
    /setting url: .*not a valid URL/,
  ],
  ['rabbitmq vhost: 7', { kind: 'rabbitmq', managementUrl: 'http://127.0.0.1:15672', vhost: 7 }, {}, /setting vhost/],
  [
    'rabbitmq allowPeek: "yes"',
    { kind: 'rabbitmq', managementUrl: 'http://127.0.0.1:15672', allowPeek: 'yes' },
    {},
    /setting allowPeek: must be true or false/,
  ],
  ['nats://127.0.0.1:abc', { kind: 'nats', url: 'nats://127.0.0.1:abc' }, {}, /setting url: .*not a valid URL/],
  [
    'postgres URL with a bad port',
    { kind: 'postgres', url: `postgres://u:${SECRET}@127.0.0.1:5x/db` },
    {},
    /setting url: .*not a valid URL/,
  ],
  [
    'postgres schemas: 3',
    { kind: 'postgres', url: 'postgres://u@127.0.0.1:5432/db', schemas: 3 },
    {},
    /setting schemas/,
  ],
  ['kafka broker with a port above 65535', { kind: 'kafka', url: '127.0.0.1:70000' }, {}, /setting url: Kafka broker/],
  ['kafka dlqTopics: 1', { kind: 'kafka', url: '127.0.0.1:9092', dlqTopics: 1 }, {}, /setting dlqTopics/],
  [
    'timeoutSeconds: 0.5',
    { url: 'redis://127.0.0.1:6379/9', timeoutSeconds: 0.5 },
    {},
    /setting timeoutSeconds: must be a whole number from 1 to 300/,
  ],
  [
    'timeoutSeconds: 100000',
    { kind: 'nats', url: 'nats://127.0.0.1:4222', timeoutSeconds: 100000 },
    {},
    /setting timeoutSeconds/,
  ],
  [
    'payloadLimitBytes: "big"',
    { kind: 'kafka', url: '127.0.0.1:9092', payloadLimitBytes: 'big' },
    {},
    /setting payloadLimitBytes/,
  ],
  ['url: 6379', { url: 6379 }, {}, /setting url: must be text/],
];

describe('a wrong setting is a downstream 400 naming it, for query and health alike', () => {
  it.each(settingsCases)('%s', async (fault, json, secure, message) => {
    const ds = faultDatasource(`settings-${fault.replace(/\W+/g, '-')}`, json, { password: SECRET, ...secure });
    const { value } = await rig.query(fault, ds, { queryType: 'overview', queues: ['jobs'] });
    expectError(value, 'downstream', 400, message);
    const health = await rig.health(fault, ds);
    expect(health.value.status).toBe(2);
    expect(health.details).toEqual({ errorSource: 'downstream', status: 400 });
    expect(health.value.message).toMatch(message);
  });

  it('a valid CA PEM is accepted (the refusals above are not of every certificate)', async () => {
    const ds = faultDatasource('settings-valid-ca', { url: 'rediss://127.0.0.1:1/0' }, { tlsCACert: TEST_CA });
    const { value } = await rig.query('valid CA, nothing listening', ds, { queryType: 'overview' });
    expect(value.status).not.toBe(400);
    expect(value.errorSource).toBe('downstream');
  });
});

describe('a setting the message quotes, however long, is cut in the answer', () => {
  const huge = 'x'.repeat(1024 * 1024);
  it.each([
    [
      'a 1 MiB Kafka broker',
      { kind: 'kafka', url: huge },
      /^setting url: Kafka broker "x+… \[cut at \d+ of \d+ bytes\]$/,
    ],
    [
      'a 1 MiB cluster node',
      { redisMode: 'cluster', redisNodes: huge },
      /^setting redisNodes: "x+… \[cut at \d+ of \d+ bytes\]$/,
    ],
    [
      'a 1 MiB advisory stream',
      { kind: 'nats', url: 'nats://127.0.0.1:4222', advisoryStream: `a.${huge}` },
      /advisory stream "a\.x+… \[cut at/,
    ],
  ])('%s', async (fault, json, message) => {
    const ds = faultDatasource(`settings-huge-${fault.replace(/\W+/g, '-')}`, json);
    const { value } = await rig.query(fault, ds, { queryType: 'overview' });
    expectError(value, 'downstream', 400, message);
    expect(Buffer.byteLength(value.error!)).toBeLessThanOrEqual(ERROR_TEXT_BYTES + 64);
    const health = await rig.health(fault, ds);
    expect(health.value.message).toBe(value.error);
  });
});

describe('jsonData that is not an object', () => {
  it.each([
    ['null', 'null'],
    ['a list', '[1]'],
    ['a number', '5'],
  ])('jsonData %s is refused', async (fault, raw) => {
    const ds = { ...faultDatasource(`settings-json-${fault}`, {}), jsonData: JSON.parse(raw) };
    const { value } = await rig.query(`jsonData ${fault}`, ds, { queryType: 'overview' });
    expectError(value, 'downstream', 400, /jsonData\) must be a JSON object/);
  });
});

describe('query fields a Viewer can send', () => {
  const ds = faultDatasource('query-fields', { url: 'redis://127.0.0.1:6379/9' });
  it.each([
    ['limit: true', { queryType: 'jobs', limit: true }, /"limit" must be an integer/],
    ['limit: [1]', { queryType: 'jobs', limit: [1] }, /"limit" must be an integer/],
    ['limit: 1.5', { queryType: 'jobs', limit: 1.5 }, /"limit" must be an integer/],
    ['limit: 5000', { queryType: 'jobs', limit: 5000 }, /"limit" must be an integer from 1 to 1000/],
    ['queues: "x"', { queues: 'x' }, /"queues" must be a list/],
    ['a 257-character glob', { queues: ['a'.repeat(257)] }, /"queues" holds a pattern of 257 characters/],
    ['101 globs', { queues: Array.from({ length: 101 }, (_, i) => `q${i}`) }, /"queues" holds 101 patterns/],
    ['search: {}', { queryType: 'jobs', search: {} }, /"search" must be text/],
  ])('%s', async (fault, json, message) => {
    const { value } = await rig.query(fault, ds, json);
    expectError(value, 'downstream', 400, message);
  });
});
