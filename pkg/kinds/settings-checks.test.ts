import type { DatasourceConfig } from '../instances/settings';
import { JobscopeError } from '../errors/errors';
import { withDeadline } from '../errors/deadline';
import { commonSettings } from './settings-checks';
import { rabbitSettings } from './rabbitmq/settings';
import { postgresSettings } from './postgres/settings';
import { kafkaSettings } from './kafka/settings';
import { TEST_CA } from './test-pem';

const config = (
  kind: DatasourceConfig['kind'],
  json: Record<string, unknown>,
  secure: Record<string, string> = {}
): DatasourceConfig => ({
  uid: 'u',
  name: 'n',
  kind,
  json: { kind, ...json } as DatasourceConfig['json'],
  secure,
  version: 1,
});

function refused(make: () => unknown): JobscopeError {
  try {
    make();
  } catch (err) {
    return err as JobscopeError;
  }
  throw new Error('accepted');
}

describe('settings every kind shares', () => {
  it('defaults and reads the time bound, payload limit, live refresh and discovery pattern', () => {
    expect(commonSettings({})).toEqual({
      payloadLimit: 4096,
      timeoutMs: 10_000,
      streamIntervalMs: undefined,
      discoveryPattern: undefined,
    });
    expect(
      commonSettings({
        timeoutSeconds: 2,
        payloadLimitBytes: '100',
        streamIntervalMs: 100,
        discoveryPattern: ' mail.* ',
      })
    ).toEqual({
      payloadLimit: 100,
      timeoutMs: 2000,
      // Faster than 500 ms was always clamped, not refused.
      streamIntervalMs: 500,
      discoveryPattern: 'mail.*',
    });
  });
});

describe('rabbitmq, postgres and kafka settings', () => {
  it.each([
    [
      'rabbitmq',
      () => rabbitSettings(config('rabbitmq', { managementUrl: 'http://[::1' })),
      /setting managementUrl: .*not a valid URL/,
    ],
    [
      'rabbitmq',
      () => rabbitSettings(config('rabbitmq', { managementUrl: 'http://h:99999' })),
      /setting managementUrl/,
    ],
    [
      'rabbitmq',
      () => rabbitSettings(config('rabbitmq', { url: 'amqp://u:pw@h:port/' })),
      /setting url: "amqp:\/\/u:\*\*\*@h:port\/"/,
    ],
    [
      'rabbitmq',
      () => rabbitSettings(config('rabbitmq', { managementUrl: 'ftp://h' })),
      /setting managementUrl: must start with http:\/\/ or https:\/\//,
    ],
    [
      'rabbitmq',
      () => rabbitSettings(config('rabbitmq', { managementUrl: 'http://h:15672', username: 3 })),
      /setting username/,
    ],
    [
      'postgres',
      () => postgresSettings(config('postgres', { url: 'postgres://u@h:5432/db', maxExactRows: -5 })),
      /setting maxExactRows/,
    ],
    [
      'postgres',
      () => postgresSettings(config('postgres', { url: 'postgres://u@h:5432/db' }, { tlsCACert: 'x' })),
      /setting tlsCACert/,
    ],
    [
      'postgres',
      () => postgresSettings(config('postgres', { url: 'postgres://u@h:5432/' })),
      /setting url: .*names no database/,
    ],
    ['kafka', () => kafkaSettings(config('kafka', { url: 'h:0' })), /setting url: Kafka broker "h:0"/],
    ['kafka', () => kafkaSettings(config('kafka', { url: 'h:9092', tls: 'on' })), /setting tls: must be true or false/],
  ])('%s: refuses with a downstream 400 naming the setting (%#)', (_kind, make, message) => {
    const err = refused(make);
    expect([err.status, err.source]).toEqual([400, 'downstream']);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain(':pw@');
  });

  it('carries the time bound into each client', () => {
    expect(rabbitSettings(config('rabbitmq', { managementUrl: 'http://h:15672', timeoutSeconds: 3 })).timeoutMs).toBe(
      3000
    );
    expect(
      postgresSettings(config('postgres', { url: 'postgres://u@h:5432/db', timeoutSeconds: 3 })).pool
    ).toMatchObject({
      connectionTimeoutMillis: 3000,
      query_timeout: 3000,
    });
    expect(
      kafkaSettings(config('kafka', { url: 'h:9092', timeoutSeconds: 3 }, { tlsCACert: TEST_CA })).client
    ).toMatchObject({
      connectionTimeout: 3000,
      requestTimeout: 3000,
      ssl: { ca: [TEST_CA] },
    });
  });
});

describe('withDeadline', () => {
  it('answers with the work when it settles first, and never leaves a late failure unhandled', async () => {
    await expect(withDeadline(Promise.resolve(7), 1000, () => new Error('late'))).resolves.toBe(7);
    let rejectLate!: (e: Error) => void;
    const late = new Promise<never>((_, reject) => (rejectLate = reject));
    await expect(withDeadline(late, 1, () => new Error('no answer'))).rejects.toThrow('no answer');
    // Rejecting after the deadline must not surface as an unhandled rejection (jest would fail the run).
    rejectLate(new Error('too late'));
    await new Promise((r) => setImmediate(r));
  });
});
