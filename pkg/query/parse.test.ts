import { JobscopeError } from '../errors/errors';
import { parseQuery } from './parse';
import { globMatches, MAX_PATTERN_LENGTH, queueFilter } from './glob';

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
    ['{"limit":true}', /"limit" must be an integer/],
    ['{"limit":[1]}', /"limit" must be an integer/],
    ['{"limit":"1.5"}', /"limit" must be an integer/],
    ['{"limit":1.5}', /"limit" must be an integer/],
    [JSON.stringify({ queues: ['*'.repeat(MAX_PATTERN_LENGTH + 1)] }), /"queues" holds a pattern of 257 characters/],
    [JSON.stringify({ queues: Array.from({ length: 101 }, (_, i) => `q${i}`) }), /"queues" holds 101 patterns/],
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
    expect(globMatches('mail.*', 'mail.send')).toBe(true);
    expect(globMatches('mail.*', 'mailXsend')).toBe(false);
    expect(globMatches('q?', 'q1')).toBe(true);
    expect(globMatches('q?', 'q10')).toBe(false);
  });

  it.each([
    ['*', '', true],
    ['*', 'anything', true],
    ['', '', true],
    ['', 'a', false],
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'aXXbYY', false],
    ['*a', 'bbba', true],
    ['*a', 'bbab', false],
    ['a**?', 'ab', true],
    ['a**?', 'a', false],
    ['*x*', 'abcxdef', true],
    ['q[1]', 'q[1]', true],
    ['q.+', 'q.+', true],
    ['q.+', 'qq', false],
    ['?*?', 'ab', true],
    ['?*?', 'a', false],
    ['*ab*ab', 'xabyabab', true],
  ])('glob %j against %j is %s', (glob, name, expected) => {
    expect(globMatches(glob, name)).toBe(expected);
  });

  it('takes a numeric string limit as a dashboard variable leaves it', () => {
    expect(parseQuery('A', '{"limit":"50"}').limit).toBe(50);
  });

  it('matches all queues without patterns, any pattern otherwise', () => {
    expect(queueFilter([])('x')).toBe(true);
    const f = queueFilter(['a*', 'b']);
    expect([f('ab'), f('b'), f('bb')]).toEqual([true, true, false]);
  });
});

describe('a pathological glob', () => {
  it('answers instead of backtracking (a RegExp of it never returned)', () => {
    const glob = `${'*'.repeat(30)}x`;
    const names = Array.from({ length: 200 }, (_, i) => `queue-${i}-${'a'.repeat(200)}`);
    expect(names.filter(queueFilter([glob]))).toEqual([]);
  });
});
