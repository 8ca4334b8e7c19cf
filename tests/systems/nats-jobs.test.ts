/**
 * Waiting and active jobs of JetStream consumers, read without consuming, on a throw-away
 * nats-server (max_payload 16 MB so a 10 MB job can be stored; an admin and a read-only
 * `monitor` user). The state is made by the nats client (jobs-state.ts): a pull worker that
 * acked some (one out of order), holds some, had one redelivered and nak'd it, and left
 * the rest waiting, on a work-queue stream and on a limits stream. Checked against the
 * client's own jsm.consumers.info / jsm.streams.getMessage, and shown to change nothing.
 */
import { natsSource } from '../../pkg/kinds/nats/nats-kind';
import type { QueueSource } from '../../pkg/source/queue-source';
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import type { JobRow } from '../../pkg/reading/rows';
import { ADMIN, LISTER, MONITOR, NatsServer, startNatsServer } from './nats/server';
import { BINARY, JOBS_TRACE_ID, JobsState, makeJobsState } from './nats/jobs-state';

const LARGE = 10 * 1024 * 1024;
let server: NatsServer;
let state: JobsState;
const sources: QueueSource[] = [];
const window = () => ({ from: Date.now() - 3600_000, to: Date.now(), now: Date.now(), intervalMs: 60_000 });

function source(user: { user: string; pass: string }, extra: Record<string, unknown> = {}): QueueSource {
  const config: DatasourceConfig = {
    uid: 'nats-jobs',
    name: 'nats-jobs',
    kind: 'nats',
    json: { kind: 'nats', url: server.url, username: user.user, ...extra } as never,
    secure: { password: user.pass },
    version: 1,
  };
  const s = natsSource(config, {} as Logger);
  sources.push(s);
  return s;
}

async function jobs(src: QueueSource, query: Omit<JobscopeQuery, 'refId' | 'queryType'>) {
  const r = await src.read({ refId: 'A', queryType: 'jobs', ...query }, window());
  if (r.type !== 'jobs') {
    throw new Error(r.type);
  }
  return r;
}

const summary = (rows: JobRow[]) => rows.map((r) => [r.id, r.name, r.state]);

beforeAll(async () => {
  server = await startNatsServer({ maxPayload: 16 * 1024 * 1024 });
  state = await makeJobsState({ servers: server.url, user: ADMIN.user, pass: ADMIN.pass }, LARGE);
}, 60_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await state?.release();
  await server?.stop();
});

it('the worker left the consumer where jobs-state.ts says (as jsm.consumers.info reports it)', async () => {
  for (const s of [state.workQueue, state.limits]) {
    const ci = await state.jsm.consumers.info(s.name, 'resizer');
    expect([s.name, ci.delivered.stream_seq, ci.num_pending, ci.num_ack_pending, ci.num_redelivered]).toEqual([
      s.name,
      8,
      4,
      3,
      1,
    ]);
  }
  // The work-queue stream deleted what was acked; the limits stream keeps everything.
  expect((await state.jsm.streams.info(state.workQueue.name)).state.messages).toBe(10);
  expect((await state.jsm.streams.info(state.limits.name)).state.messages).toBe(13);
});

it('lists exactly the messages after delivered.stream_seq that match the filter, oldest first, with headers and payloads', async () => {
  for (const s of [state.workQueue, state.limits]) {
    const src = source(MONITOR);
    const r = await jobs(src, { state: 'waiting', queues: [`${s.name}/resizer`] });
    const ci = await state.jsm.consumers.info(s.name, 'resizer');
    // Computed from what was published: resize messages after the last delivered sequence.
    const expected = [...s.published]
      .filter(([seq, p]) => seq > ci.delivered.stream_seq && p.subject === s.subject('resize'))
      .map(([seq, p]) => [`${p.msgId} (seq ${seq})`, p.subject, 'waiting']);
    expect(expected).toEqual([
      ['img-7 (seq 9)', s.subject('resize'), 'waiting'],
      ['img-8 (seq 10)', s.subject('resize'), 'waiting'],
      ['img-9 (seq 12)', s.subject('resize'), 'waiting'],
      ['img-10 (seq 13)', s.subject('resize'), 'waiting'],
    ]);
    expect(summary(r.rows)).toEqual(expected);
    expect(r.rows.length).toBe(ci.num_pending);
    expect(r.rows.every((row) => row.attempts === 0 && (row as { system?: string }).system === 'jetstream')).toBe(true);
    // Parity with the client's own stored-message read.
    for (const [row, seq] of r.rows.map((row, i) => [row, [9, 10, 12, 13][i]] as const)) {
      const own = await state.jsm.streams.getMessage(s.name, { seq });
      expect([row.createdAt, row.name, row.payload!.bytes]).toEqual([
        Date.parse(own.timestamp),
        own.subject,
        own.data.length,
      ]);
    }
    const [img7, img8, img9, img10] = r.rows;
    expect(img7).toMatchObject({
      traceId: JOBS_TRACE_ID,
      payload: { kind: 'json', preview: '{"image":"img-7"}', bytes: 17, truncated: false },
    });
    expect(img8.payload).toEqual({
      kind: 'binary',
      preview: Buffer.from(BINARY).toString('hex'),
      bytes: 256,
      truncated: false,
    });
    expect(img9.payload).toMatchObject({
      kind: 'json',
      bytes: LARGE + '{"image":"img-9","blob":""}'.length,
      truncated: true,
    });
    expect(img9.payload!.preview).toBe(`{"image":"img-9","blob":"${'x'.repeat(4096 - 25)}`);
    expect(img10.traceId).toBeUndefined();
    expect(r.executed).toMatch(
      /, [4-6] STREAM\.MSG\.GET \(no delivery, no ack\): 4 waiting message\(s\) of 1 consumer\(s\)$/
    );
  }
}, 30_000);

it('lists active messages: exact on the work-queue stream, candidates with a notice when acks came out of order', async () => {
  const src = source(MONITOR);
  const wq = await jobs(src, { state: 'active', queues: [`${state.workQueue.name}/resizer`] });
  expect(summary(wq.rows)).toEqual([
    ['img-3 (seq 4)', state.workQueue.subject('resize'), 'active'],
    ['img-4 (seq 5)', state.workQueue.subject('resize'), 'active'],
    ['img-6 (seq 8)', state.workQueue.subject('resize'), 'active'],
  ]);
  expect(wq.rows[0].payload).toMatchObject({ kind: 'json', preview: '{"image":"img-3"}' });
  expect(wq.notices.map((n) => n.text).join('\n')).not.toMatch(/out of order/);
  // Limits retention keeps img-5, acknowledged out of order: listed, and the notice says why.
  const lim = await jobs(src, { state: 'active', queues: [`${state.limits.name}/resizer`] });
  expect(lim.rows.map((r) => r.id)).toEqual(['img-3 (seq 4)', 'img-4 (seq 5)', 'img-5 (seq 6)', 'img-6 (seq 8)']);
  const ci = await state.jsm.consumers.info(state.limits.name, 'resizer');
  expect(lim.notices.map((n) => n.text)).toContain(
    `${state.limits.name}/resizer: 3 message(s) await an ack; all 4 stored message(s) between the ack floor (seq ${ci.ack_floor.stream_seq}) and the last delivered (seq 8) are listed. ` +
      'JetStream does not expose which of these were already acknowledged out of order (or given up on after max_deliver or a term), so some listed ones may be done'
  );
});

it('reads at most limit (+ a small constant) messages, shares the limit across consumers, and searches', async () => {
  const src = source(MONITOR);
  const two = await jobs(src, { state: 'waiting', queues: [`${state.workQueue.name}/resizer`], limit: 2 });
  expect(two.rows.map((r) => r.id)).toEqual(['img-7 (seq 9)', 'img-8 (seq 10)']);
  expect(two.executed).toContain(', 2 STREAM.MSG.GET');
  const both = await jobs(src, { state: 'waiting', queues: [`*_${state.sfx}/resizer`], limit: 5 });
  expect(both.rows.map((r) => [r.queue, r.id])).toEqual([
    [`${state.limits.name}/resizer`, 'img-7 (seq 9)'],
    [`${state.limits.name}/resizer`, 'img-8 (seq 10)'],
    [`${state.limits.name}/resizer`, 'img-9 (seq 12)'],
    [`${state.limits.name}/resizer`, 'img-10 (seq 13)'],
    [`${state.workQueue.name}/resizer`, 'img-7 (seq 9)'],
  ]);
  expect(Number(/, (\d+) STREAM\.MSG\.GET/.exec(both.executed)![1])).toBeLessThanOrEqual(5 + 16);
  const found = await jobs(src, { state: 'waiting', queues: [`${state.workQueue.name}/resizer`], search: 'IMG-10' });
  expect(found.rows.map((r) => r.id)).toEqual(['img-10 (seq 13)']);
  const other = await jobs(src, { state: 'completed', queues: [`${state.workQueue.name}/resizer`] });
  expect(other.rows).toEqual([]);
  expect(other.notices[0].text).toMatch(/^JetStream keeps no "completed" list: jobs can list waiting/);
});

it('changes nothing: consumer and stream state identical after every query type, as the read-only user', async () => {
  const snapshot = async () =>
    Promise.all(
      [state.workQueue.name, state.limits.name].map(async (name) => {
        const ci = await state.jsm.consumers.info(name, 'resizer');
        const si = await state.jsm.streams.info(name);
        return {
          name,
          delivered: ci.delivered,
          ackFloor: ci.ack_floor,
          counts: [ci.num_pending, ci.num_ack_pending, ci.num_redelivered, ci.num_waiting],
          stream: [si.state.messages, si.state.first_seq, si.state.last_seq, si.state.consumer_count],
        };
      })
    );
  const before = await snapshot();
  const src = source(MONITOR);
  for (const queryType of ['overview', 'workers', 'timeseries', 'failures'] as const) {
    const r = await src.read({ refId: 'A', queryType }, window());
    expect(r.notices.filter((n) => n.severity === 'error')).toEqual([]);
  }
  for (const st of ['waiting', 'active', 'dead', 'failed', 'retry'] as const) {
    await jobs(src, { state: st });
    await jobs(src, { state: st, search: 'img' });
  }
  await src.listQueues();
  await src.checkHealth();
  expect(await snapshot()).toEqual(before);
  expect(before.map((b) => b.counts)).toEqual([
    [4, 3, 1, 0],
    [4, 3, 1, 0],
  ]);
}, 30_000);

it('says which permission is missing when the user may list consumers but not read messages', async () => {
  const src = source(LISTER);
  const overview = await src.read({ refId: 'A', queryType: 'overview', metrics: ['wait', 'active'] }, window());
  expect(overview.type === 'overview' && overview.stats.map((s) => s.values)).toMatchObject([
    { wait: 4, active: 3 },
    { wait: 4, active: 3 },
  ]);
  const err = await jobs(src, { state: 'waiting' }).catch((e) => e);
  expect([err.status, err.message]).toEqual([
    502,
    'NATS user "lister" may not read stored messages: allow publishing to $JS.API.STREAM.MSG.GET.> (read-only, no consumer involved) to list waiting jobs',
  ]);
});
