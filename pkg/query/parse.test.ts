import { JobscopeError } from '../errors/errors';
import { globToRegExp, parseQuery, queueFilter } from './parse';

describe('parseQuery', () => {
  it('defaults to an overview of every queue', () => {
    expect(parseQuery('A', Buffer.from('{}'))).toEqual({
      refId: 'A',
      queryType: 'overview',
      system: undefined,
      queues: [],
      metrics: [],
      limit: undefined,
      state: undefined,
      search: undefined,
    });
  });

  it('takes Grafana queryType when the model has none', () => {
    expect(parseQuery('A', '{}', 'queues').queryType).toBe('queues');
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[1]', /must be a JSON object/],
    ['{"queryType":"nope"}', /unknown queryType "nope"/],
    ['{"system":"resque"}', /unknown system "resque"/],
    ['{"queues":"a"}', /"queues" must be a list/],
    ['{"metrics":["wait","bogus"]}', /"metrics" must be a subset/],
    ['{"limit":0}', /"limit" must be an integer/],
    ['{"state":"zombie"}', /unknown job state "zombie"/],
    ['{"search":5}', /"search" must be text/],
  ])('rejects %s as a downstream 400', (json, message) => {
    let err: unknown;
    try {
      parseQuery('B', json);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(JobscopeError);
    expect((err as JobscopeError).message).toMatch(message);
    expect((err as JobscopeError).status).toBe(400);
    expect((err as JobscopeError).source).toBe('downstream');
  });
});

describe('queue patterns', () => {
  it('treats * and ? as globs and the rest literally', () => {
    expect(globToRegExp('mail.*').test('mail.send')).toBe(true);
    expect(globToRegExp('mail.*').test('mailXsend')).toBe(false);
    expect(globToRegExp('q?').test('q1')).toBe(true);
    expect(globToRegExp('q?').test('q10')).toBe(false);
  });

  it('matches all queues without patterns, any pattern otherwise', () => {
    expect(queueFilter([])('x')).toBe(true);
    const f = queueFilter(['a*', 'b']);
    expect([f('ab'), f('b'), f('bb')]).toEqual([true, true, false]);
  });
});
