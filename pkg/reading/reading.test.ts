import { describePayload, traceIdFromTraceparent } from './payload';
import { groupFailures, normaliseReason } from './failure-reasons';

describe('describePayload', () => {
  it('keeps small JSON whole and reports its size', () => {
    expect(describePayload('{"a":1}')).toEqual({ preview: '{"a":1}', bytes: 7, truncated: false, kind: 'json' });
  });

  it('truncates large text on a character boundary and keeps the full size', () => {
    const big = '{"x":"' + 'é'.repeat(6_000_000) + '"}'; // ~12 MB
    const p = describePayload(big, 1001);
    expect(p.bytes).toBe(Buffer.byteLength(big));
    expect(p.truncated).toBe(true);
    expect(Buffer.byteLength(p.preview)).toBeLessThanOrEqual(1001);
    expect(p.preview).not.toContain('\uFFFD');
    expect(p.kind).toBe('json');
  });

  it('shows binary and pickled data as hex, never decoded', () => {
    const pickle = Buffer.from([0x80, 0x04, 0x95, 0x10, 0x00, 0x63, 0x6f, 0x73]);
    expect(describePayload(pickle)).toMatchObject({ kind: 'pickle', preview: '8004951000636f73', bytes: 8 });
    const bin = Buffer.from([0xff, 0x00, 0xfe, 0x01]);
    expect(describePayload(bin)).toMatchObject({ kind: 'binary', preview: 'ff00fe01' });
  });

  it('reports absent payloads as none', () => {
    expect(describePayload(null)).toEqual({ preview: '', bytes: 0, truncated: false, kind: 'none' });
  });
});

describe('trace ids', () => {
  it('reads W3C traceparent and rejects malformed or zero ids', () => {
    expect(traceIdFromTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736'
    );
    expect(traceIdFromTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toBeUndefined();
    expect(traceIdFromTraceparent('garbage')).toBeUndefined();
    expect(traceIdFromTraceparent(42)).toBeUndefined();
  });
});

describe('failure grouping', () => {
  it('replaces what varies per job', () => {
    expect(normaliseReason('card declined for order 1234 (id "abc")')).toBe('card declined for order <n> (id <str>)');
    expect(normaliseReason('timeout talking to 7d44b1a2-0c1e-4b8e-9a31-2f1d2c3b4a5e')).toBe(
      'timeout talking to <uuid>'
    );
  });

  it('groups by queue and reason, most frequent first, with first/last seen and the latest example', () => {
    const groups = groupFailures(
      [
        { queue: 'q', jobId: '1', message: 'card declined for order 1', at: 10 },
        { queue: 'q', jobId: '2', message: 'card declined for order 2', at: 30 },
        { queue: 'q', jobId: '3', errorClass: 'KeyError', message: "'user'", at: 20 },
        { queue: 'q', jobId: '4', message: 'card declined for order 3', at: 5 },
      ],
      10
    );
    expect(groups).toEqual([
      {
        queue: 'q',
        reason: 'card declined for order <n>',
        count: 3,
        firstSeen: 5,
        lastSeen: 30,
        exampleJobId: '2',
        exampleMessage: 'card declined for order 2',
      },
      {
        queue: 'q',
        reason: 'KeyError: <str>',
        count: 1,
        firstSeen: 20,
        lastSeen: 20,
        exampleJobId: '3',
        exampleMessage: "'user'",
      },
    ]);
  });
});
