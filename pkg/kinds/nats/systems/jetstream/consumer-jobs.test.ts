import { walkFilter, walkFilters, consumerJobs, ConsumerRef, MessageGetter } from './consumer-jobs';
import type { MsgGetRequest, StoredMessage } from './stored-messages';
import { base64Head, base64Size, parseHeaders, storedPayload } from './stored-messages';

/** A stream store answering MSG.GET like the server: next_by_subj = first match at or after seq. */
function store(subjects: Array<string | undefined>) {
  const calls: MsgGetRequest[] = [];
  const match = (filter: string, subject: string) => {
    const f = filter.split('.');
    const s = subject.split('.');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '>') {
        return s.length > i;
      }
      if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) {
        return false;
      }
    }
    return f.length === s.length;
  };
  const get: MessageGetter = async (req) => {
    calls.push(req);
    for (let seq = req.seq; seq <= subjects.length; seq++) {
      const subject = subjects[seq - 1];
      if (subject !== undefined && (!req.next_by_subj || match(req.next_by_subj, subject))) {
        return { seq, subject, time: seq * 1000, headers: {}, size: 2, head: Buffer.from('{}') } as StoredMessage;
      }
      if (!req.next_by_subj) {
        return undefined;
      }
    }
    return undefined;
  };
  return { get, calls };
}

it('walks a dense filter n messages per round, a sparse one without running past the budget', async () => {
  const dense = store(Array.from({ length: 100 }, () => 'a'));
  const w = await walkFilter(dense.get, 'a', 11, Number.MAX_SAFE_INTEGER, 40, 56);
  expect(w.messages.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => 11 + i));
  expect([w.gets, w.complete]).toEqual([40, false]);

  // One match in ten: repeated answers shrink the batch to one probe.
  const sparse = store(Array.from({ length: 200 }, (_, i) => (i % 10 === 9 ? 'a' : 'b')));
  const s = await walkFilter(sparse.get, 'a', 1, Number.MAX_SAFE_INTEGER, 12, 12 + 16);
  expect(s.messages.map((m) => m.seq)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  expect(s.gets).toBeLessThanOrEqual(12 + 16);

  // The end of the stream, gaps (deleted) and an upper bound.
  const gaps = store(['a', undefined, 'a', 'a', undefined, 'a']);
  expect(await walkFilter(gaps.get, '>', 1, 100, 10, 30)).toMatchObject({ complete: true });
  expect((await walkFilter(gaps.get, '>', 1, 100, 10, 30)).messages.map((m) => m.seq)).toEqual([1, 3, 4, 6]);
  const bounded = await walkFilter(gaps.get, 'a', 2, 4, 10, 30);
  expect([bounded.messages.map((m) => m.seq), bounded.complete]).toEqual([[3, 4], true]);
  // Exactly `want` found with more left: not complete.
  const cut = await walkFilter(gaps.get, 'a', 1, 6, 2, 30);
  expect([cut.messages.map((m) => m.seq), cut.complete]).toEqual([[1, 3], false]);
});

it('merges several filters (filter_subjects) by sequence with one cursor each', async () => {
  const st = store(['x.1', 'y.1', 'z.1', 'x.2', 'z.2', 'y.2', 'x.3']);
  const w = await walkFilters(st.get, ['x.*', 'y.*'], 1, 100, 10, 100);
  expect(w.messages.map((m) => m.subject)).toEqual(['x.1', 'y.1', 'x.2', 'y.2', 'x.3']);
  expect([w.complete, w.gets]).toEqual([true, 2 + 5]);
  const two = await walkFilters(st.get, ['x.*', 'y.*'], 1, 100, 2, 100);
  expect([two.messages.map((m) => m.subject), two.complete]).toEqual([['x.1', 'y.1'], false]);
});

it('shares the limit across consumers and never asks a consumer that has nothing pending', async () => {
  const st = store(Array.from({ length: 30 }, () => 'jobs'));
  const consumer = (name: string, delivered: number, pending: number): ConsumerRef => ({
    label: `S/${name}`,
    stream: { config: { name: 'S' }, state: { first_seq: 1 } } as never,
    consumer: {
      name,
      config: {},
      delivered: { stream_seq: delivered },
      ack_floor: { stream_seq: 0 },
      num_pending: pending,
      num_ack_pending: 0,
    } as never,
  });
  const notices: string[] = [];
  const r = await consumerJobs(
    () => st.get,
    [consumer('a', 27, 3), consumer('empty', 30, 0), consumer('b', 0, 30), consumer('c', 0, 30)],
    'waiting',
    5,
    4096,
    undefined,
    (n) => notices.push(n.text)
  );
  expect(r.rows.map((x) => [x.queue, x.id])).toEqual([
    ['S/a', 'seq 28'],
    ['S/a', 'seq 29'],
    ['S/a', 'seq 30'],
    ['S/b', 'seq 1'],
    ['S/b', 'seq 2'],
  ]);
  expect(r.gets).toBe(5);
  expect(st.calls.every((c) => c.next_by_subj === '>')).toBe(true);
  expect(notices).toEqual(["stopped at the query's limit (5 messages); not read: S/c"]);
});

it('decodes only the head of a large message and keeps its full size', () => {
  const big = Buffer.alloc(10 * 1024 * 1024, 'y');
  const b64 = big.toString('base64');
  expect(base64Size(b64)).toBe(big.length);
  expect(base64Size(Buffer.from('ab').toString('base64'))).toBe(2);
  const head = base64Head(b64, 4097);
  expect(head.length).toBe(4097);
  const p = storedPayload({ seq: 1, subject: 's', time: 0, headers: {}, size: big.length, head }, 64);
  expect(p).toEqual({ kind: 'text', preview: 'y'.repeat(64), bytes: big.length, truncated: true });
  expect(parseHeaders(Buffer.from('NATS/1.0\r\nNats-Msg-Id: a-1\r\ntraceparent: 00-x\r\n\r\n'))).toEqual({
    'Nats-Msg-Id': 'a-1',
    traceparent: '00-x',
  });
});
