import { natsSettings } from './settings';
import type { DatasourceConfig } from '../../instances/settings';
import { TEST_CA } from '../test-pem';

const config = (json: Record<string, unknown>, secure: Record<string, string> = {}): DatasourceConfig => ({
  uid: 'n',
  name: 'n',
  kind: 'nats',
  json: { kind: 'nats', ...json } as never,
  secure,
  version: 1,
});

it('sends user and password, or the password as a token when no username is set', () => {
  expect(natsSettings(config({ url: 'nats://a:4222', username: 'mon' }, { password: 'pw' }))).toMatchObject({
    servers: ['a:4222'],
    username: 'mon',
    password: 'pw',
    token: undefined,
    tls: undefined,
  });
  expect(natsSettings(config({ url: 'nats://a:4222' }, { password: 's3cr3t' }))).toMatchObject({
    token: 's3cr3t',
    password: undefined,
  });
});

it('asks for TLS with tls://, the tls flag or certificates; several servers', () => {
  expect(natsSettings(config({ url: 'tls://a:4222, nats://b:4222' })).tls).toEqual({
    ca: undefined,
    cert: undefined,
    key: undefined,
    rejectUnauthorized: true,
  });
  expect(natsSettings(config({ url: 'tls://a:4222, nats://b:4222' })).servers).toEqual(['a:4222', 'b:4222']);
  expect(natsSettings(config({ url: 'nats://a:4222', tlsSkipVerify: true }, { tlsCACert: TEST_CA })).tls).toMatchObject(
    {
      ca: TEST_CA,
      rejectUnauthorized: false,
    }
  );
});

it('rejects a missing or foreign URL, credentials in the URL and a bad advisory stream name', () => {
  expect(() => natsSettings(config({}))).toThrow(/set the server URL/);
  expect(() => natsSettings(config({ url: 'redis://a:6379' }))).toThrow(/not a server URL/);
  expect(() => natsSettings(config({ url: 'nats://u:secret@a:4222' }))).toThrow(/username setting/);
  try {
    natsSettings(config({ url: 'nats://u:secret@a:4222' }));
  } catch (e) {
    expect(String(e)).not.toContain('secret');
  }
  expect(() => natsSettings(config({ url: 'nats://a:4222', advisoryStream: 'a.b' }))).toThrow(
    /not a valid stream name/
  );
});

it('names the setting for a bad port, a garbage CA, a non-text URL and a bad time bound (downstream 400)', () => {
  expect(() => natsSettings(config({ url: 'nats://127.0.0.1:abc' }))).toThrow(
    /setting url: "nats:\/\/127.0.0.1:abc" is not a valid URL/
  );
  expect(() => natsSettings(config({ url: 'nats://a:4222' }, { tlsCACert: 'garbage' }))).toThrow(/setting tlsCACert/);
  expect(() => natsSettings(config({ url: 4222 }))).toThrow(/setting url: must be/);
  expect(() => natsSettings(config({ url: 'nats://a:4222', timeoutSeconds: 9999 }))).toThrow(/setting timeoutSeconds/);
  expect(natsSettings(config({ url: 'nats://a:4222', timeoutSeconds: 3 })).timeoutMs).toBe(3000);
});
