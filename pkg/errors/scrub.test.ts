import { relativiseStack, rememberSecrets, scrubSecrets } from './scrub';
import { badRequest, classify } from './errors';
import { createLogger } from '../logging/logger';

describe('scrubSecrets', () => {
  it.each([
    ['redis://:PW-1@127.0.0.1:abc', 'redis://:***@127.0.0.1:abc'],
    ['url "redis://user:PW-1@host:6379/0" is bad', 'url "redis://user:***@host:6379/0" is bad'],
    ['amqp://u:p@ss/w@rd@host:5672/vh', 'amqp://u:***@host:5672/vh'],
    ['two: nats://a:b@h1:4222, nats://c:d@h2:4222', 'two: nats://a:***@h1:4222, nats://c:***@h2:4222'],
    ['a user alone stays: postgres://reader@db:5432/app', 'a user alone stays: postgres://reader@db:5432/app'],
    ['no userinfo: http://host:15672/api', 'no userinfo: http://host:15672/api'],
  ])('takes the password out of %j', (text, expected) => {
    expect(scrubSecrets(text)).toBe(expected);
  });

  it('takes out secure values seen in settings, wherever a library echoes them', () => {
    rememberSecrets(['correct-horse-battery', 'ab', 'same-as-user'], ['same-as-user']);
    expect(scrubSecrets('user "same-as-user" refused')).toBe('user "same-as-user" refused');
    expect(scrubSecrets('AUTH failed for correct-horse-battery!')).toBe('AUTH failed for ***!');
    // Too short to match as text without mangling every message.
    expect(scrubSecrets('a bad table')).toBe('a bad table');
  });

  it('is applied by error construction, classification and the logger', () => {
    rememberSecrets(['s3cr3t-value']);
    expect(badRequest('redis://:s3cr3t-value@h:1 is bad').message).toBe('redis://:***@h:1 is bad');
    expect(classify(new Error('boom s3cr3t-value')).message).toBe('boom ***');
    const lines: string[] = [];
    createLogger((l) => lines.push(l)).warn('failed redis://u:pw@h/0', { error: 'x s3cr3t-value', n: 1 });
    expect(JSON.parse(lines[0])).toMatchObject({ '@message': 'failed redis://u:***@h/0', error: 'x ***', n: 1 });
  });
});

describe('relativiseStack', () => {
  it('keeps the base name and position of each frame, never the absolute path', () => {
    const stack = [
      'TypeError: x.split is not a function',
      '    at parseNodes (/usr/share/grafana/data/plugins/jobscope-app/datasource/gpx_jobscope_linux_amd64:1234:56)',
      '    at /home/builder/work/jobscope/build/backend/main.js:10:2',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at C:\\build\\jobscope\\main.js:3:4',
    ].join('\n');
    const out = relativiseStack(stack);
    expect(out).toContain('(gpx_jobscope_linux_amd64:1234:56)');
    expect(out).toContain('at main.js:10:2');
    expect(out).toContain('node:internal/process/task_queues:95:5');
    expect(out).not.toMatch(/\/usr\/|\/home\/|C:\\/);
  });
});
