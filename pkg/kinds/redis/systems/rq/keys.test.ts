import { deflateSync } from 'zlib';
import { errorOfTraceback, findTraceparent, inflateBounded, jobIdOfStarted, parseTime, queueFromKey } from './keys';

describe('RQ layout helpers', () => {
  it("parses RQ's utcformat() timestamps and rejects anything else", () => {
    expect(parseTime('2026-11-23T19:50:42.765361Z')).toBe(Date.UTC(2026, 10, 23, 19, 50, 42, 765));
    expect(parseTime('2026-11-23T19:50:42Z')).toBe(Date.UTC(2026, 10, 23, 19, 50, 42));
    expect([parseTime(''), parseTime(null), parseTime('yesterday'), parseTime('1795463442')]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('takes the job id out of 1.x and 2.x+ started-registry members', () => {
    expect(jobIdOfStarted('8f8c4e48-796a-4078-a58f-9e868a44617c')).toBe('8f8c4e48-796a-4078-a58f-9e868a44617c');
    expect(jobIdOfStarted('8f8c4e48-796a-4078-a58f-9e868a44617c:0123456789abcdef0123456789abcdef')).toBe(
      '8f8c4e48-796a-4078-a58f-9e868a44617c'
    );
  });

  it('names queues only from queue keys', () => {
    expect(queueFromKey('rq', 'rq:queue:a:b')).toBe('a:b');
    expect([queueFromKey('rq', 'rq:queue:'), queueFromKey('rq', 'other:queue:x')]).toEqual([undefined, undefined]);
  });

  it("splits a traceback's last line into error class and message", () => {
    const tb =
      'Traceback (most recent call last):\n  File "x.py", line 1, in f\n    1/0\nZeroDivisionError: division by zero\n';
    expect(errorOfTraceback(tb)).toEqual({ errorClass: 'ZeroDivisionError', message: 'division by zero' });
    expect(errorOfTraceback('tasks.PaymentDeclined: card declined')).toEqual({
      errorClass: 'tasks.PaymentDeclined',
      message: 'card declined',
    });
    expect(errorOfTraceback('Moved to FailedJobRegistry, due to AbandonedJobError, at 2026')).toEqual({
      message: 'Moved to FailedJobRegistry, due to AbandonedJobError, at 2026',
    });
    expect(errorOfTraceback('')).toEqual({ message: '' });
  });

  it('inflates within a bound, refusing a zip bomb and non-zlib bytes', () => {
    expect(inflateBounded(deflateSync(Buffer.from('hello')), 100)!.toString()).toBe('hello');
    expect(inflateBounded(deflateSync(Buffer.alloc(50 * 1024 * 1024)), 1024 * 1024)).toBeUndefined();
    expect(inflateBounded(Buffer.from('not zlib'), 100)).toBeUndefined();
  });

  it('finds a traceparent by its shape in pickled bytes', () => {
    const pickled = Buffer.concat([
      Buffer.from([0x80, 0x05, 0x95]),
      Buffer.from('traceparent\x94\x8c\x3700-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\x94.', 'latin1'),
    ]);
    expect(findTraceparent(pickled)).toBe('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(findTraceparent(Buffer.from([0x80, 0x05]))).toBeUndefined();
  });
});
