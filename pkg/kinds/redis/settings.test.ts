import { redisSettings } from './settings';
import { JobscopeError } from '../../errors/errors';
import type { DatasourceConfig } from '../../instances/settings';
import { TEST_CA } from '../test-pem';

const config = (json: Record<string, unknown>, secure: Record<string, string> = {}): DatasourceConfig => ({
  uid: 'u',
  name: 'n',
  kind: 'redis',
  json: json as DatasourceConfig['json'],
  secure,
  version: 1,
});

function refusal(json: Record<string, unknown>, secure: Record<string, string> = {}): JobscopeError {
  try {
    redisSettings(config(json, secure));
  } catch (err) {
    return err as JobscopeError;
  }
  throw new Error('accepted');
}

describe('redis settings', () => {
  it('reads a URL with user, password and database', () => {
    const s = redisSettings(config({ url: 'rediss://reader:pw@cache.example:6380/3', timeoutSeconds: 4 }));
    expect(s).toMatchObject({
      host: 'cache.example',
      port: 6380,
      db: 3,
      username: 'reader',
      password: 'pw',
      timeoutMs: 4000,
      display: 'rediss://cache.example:6380/3',
    });
    expect(s.tls).toMatchObject({ rejectUnauthorized: true, servername: 'cache.example' });
  });

  it('defaults: local server, db 0, 10 s bound, standalone', () => {
    expect(redisSettings(config({}))).toMatchObject({
      host: '127.0.0.1',
      port: 6379,
      db: 0,
      timeoutMs: 10_000,
      mode: 'standalone',
      sidekiqNamespace: '',
    });
  });

  it.each([
    [{ redisMode: 'cluster', redisNodes: 7000 }, /setting redisNodes: must be text/],
    [{ redisMode: 'cluster', redisNodes: 'a:99999' }, /setting redisNodes: "a:99999" is not host:port/],
    [{ sidekiqNamespace: 5 }, /setting sidekiqNamespace: must be a key namespace \(text\), got 5/],
    [{ discoveryPattern: 123 }, /setting discoveryPattern: must be a queue-name glob/],
    [{ discoveryPattern: '*'.repeat(300) }, /setting "discoveryPattern" holds a pattern of 300 characters/],
    [{ bullPrefix: 42 }, /setting bullPrefix: must be a key prefix \(text\), got 42/],
    [{ url: 'redis://:PW@127.0.0.1:abc' }, /setting url: "redis:\/\/:\*\*\*@127.0.0.1:abc" is not a valid URL/],
    [{ url: 'http://127.0.0.1:6379' }, /setting url: must start with redis:\/\/ or rediss:\/\//],
    [{ url: 'redis://127.0.0.1:6379/-1' }, /setting url: the database index "\/-1"/],
    [{ url: 'redis://127.0.0.1:6379/abc' }, /setting url: the database index "\/abc"/],
    [{ timeoutSeconds: 0.5 }, /setting timeoutSeconds: must be a whole number from 1 to 300 seconds/],
    [{ timeoutSeconds: 'soon' }, /setting timeoutSeconds/],
    [{ payloadLimitBytes: -1 }, /setting payloadLimitBytes/],
    [{ redisMode: 'sentinel', redisNodes: 'h:26379' }, /setting sentinelMaster/],
    [{ redisMode: 'ring' }, /setting redisMode/],
    [{ tlsSkipVerify: 'yes' }, /setting tlsSkipVerify: must be true or false/],
  ])('refuses %j as a downstream 400 naming the setting', (json, message) => {
    const err = refusal(json);
    expect(err).toBeInstanceOf(JobscopeError);
    expect([err.status, err.source]).toEqual([400, 'downstream']);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('PW');
  });

  it('refuses a garbage CA for rediss:// as a 400 naming tlsCACert, and takes a real one', () => {
    const err = refusal({ url: 'rediss://h:6380' }, { tlsCACert: 'not a certificate' });
    expect([err.status, err.message]).toEqual([400, expect.stringMatching(/setting tlsCACert/)]);
    const broken = refusal(
      { url: 'rediss://h:6380' },
      { tlsCACert: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }
    );
    expect(broken.message).toMatch(/tlsCACert: certificate 1 of 1 is not a valid PEM certificate/);
    expect(redisSettings(config({ url: 'rediss://h:6380' }, { tlsCACert: TEST_CA })).tls?.ca).toBe(TEST_CA);
  });

  it('takes numeric strings from provisioning files and treats 0 as unset', () => {
    expect(redisSettings(config({ timeoutSeconds: '3', payloadLimitBytes: 0 }))).toMatchObject({
      timeoutMs: 3000,
      payloadLimit: 4096,
    });
  });
});
