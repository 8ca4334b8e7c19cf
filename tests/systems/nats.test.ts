/**
 * The `nats` kind in-process against the loopback NATS server with JetStream: a state made
 * by the nats client (fetch, ack, nak, term, ack timeouts, max_deliver reached, a waiting
 * pull request; advisories captured in a stream), read through the `nats` kind's source and
 * compared with the client's own jsm.consumers.info / jsm.streams.getMessage on the same
 * state; and the reads shown to leave every stream and consumer as they were.
 */
import { natsSource } from '../../pkg/kinds/nats/nats-kind';
import type { QueueSource } from '../../pkg/source/queue-source';
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import { JobscopeError } from '../../pkg/errors/errors';
import { AckPolicy } from 'nats';
import { makeNatsState, NATS_URL, NatsState, TRACE_ID } from './nats/state';

const log = {} as Logger;
const window = () => ({ from: Date.now() - 3600_000, to: Date.now(), now: Date.now(), intervalMs: 60_000 });

let state: NatsState;
const sources: QueueSource[] = [];
function source(json: Record<string, unknown>, secure: Record<string, string> = {}): QueueSource {
  const config: DatasourceConfig = {
    uid: 'nats',
    name: 'nats',
    kind: 'nats',
    json: { kind: 'nats', url: NATS_URL, ...json } as never,
    secure,
    version: 1,
  };
  const s = natsSource(config, log);
  sources.push(s);
  return s;
}
const q = (query: Omit<JobscopeQuery, 'refId'>): JobscopeQuery => ({ refId: 'A', ...query });

beforeAll(async () => {
  state = await makeNatsState();
}, 60_000);

afterAll(async () => {
  await Promise.all(sources.map((s) => s.close()));
  await state?.release();
});

it('reports the server version and the JetStream account in CheckHealth', async () => {
  const health = await source({ advisoryStream: state.advisories }).checkHealth();
  expect(health.server).toMatch(/^NATS 2\.\d+\.\d+ .*with JetStream \(\d+ streams?, \d+ consumers?\)$/);
  expect(health.systems.jetstream).toBeGreaterThanOrEqual(3);
  expect(health.notices[0]).toMatch(/^JetStream account: \d+ stream\(s\), \d+ consumer\(s\)$/);
  const without = await source({}).checkHealth();
  expect(without.notices.join('\n')).toContain(
    "nats stream add JOBSCOPE_DEAD --subjects '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>'"
  );
});

it('lists the consumers of the stream as <stream>/<consumer> queues', async () => {
  const queues = (await source({}).listQueues()).filter((r) => r.queue.startsWith(`${state.stream}/`));
  expect(queues).toEqual(
    ['idle', 'poller', 'worker'].map((c) => ({ system: 'jetstream', queue: `${state.stream}/${c}` }))
  );
});

it('answers an overview whose values are jsm.consumers.info numbers, with the oldest undelivered age and dead advisories', async () => {
  const src = source({ advisoryStream: state.advisories });
  const before = Date.now();
  const result = await src.read(q({ queryType: 'overview', queues: [`${state.stream}/*`] }), window());
  const after = Date.now();
  if (result.type !== 'overview') {
    throw new Error(result.type);
  }
  expect(result.stats.map((s) => s.queue)).toEqual(['idle', 'poller', 'worker'].map((c) => `${state.stream}/${c}`));
  for (const name of ['idle', 'poller', 'worker']) {
    const own = await state.jsm.consumers.info(state.stream, name);
    const v = result.stats.find((s) => s.queue === `${state.stream}/${name}`)!.values;
    expect([name, v.wait, v.active, v.retries, v.workers]).toEqual([
      name,
      own.num_pending,
      own.num_ack_pending,
      own.num_redelivered,
      own.num_waiting,
    ]);
  }
  const values = (c: string) => result.stats.find((s) => s.queue === `${state.stream}/${c}`)!.values;
  // The state itself, as the nats client made it.
  expect(values('worker')).toMatchObject({ wait: 3, active: 1, workers: 0, dead: 4 });
  expect(values('idle')).toMatchObject({ wait: 12, active: 0, retries: 0, workers: 0, dead: 0 });
  expect(values('poller')).toMatchObject({ wait: 0, active: 0, workers: 1, dead: 0, oldest_wait_seconds: 0 });
  // worker: seq 1-7 were delivered (7 is still in its hands): seq 8 is the oldest waiting.
  const t8 = await state.timeOf(8);
  expect(values('worker').oldest_wait_seconds).toBeGreaterThanOrEqual((before - t8) / 1000 - 0.01);
  expect(values('worker').oldest_wait_seconds).toBeLessThanOrEqual((after - t8) / 1000 + 0.01);
  const t1 = await state.timeOf(1);
  expect(values('idle').oldest_wait_seconds).toBeGreaterThanOrEqual((before - t1) / 1000 - 0.01);
  expect(values('idle').oldest_wait_seconds).toBeLessThanOrEqual((after - t1) / 1000 + 0.01);
  expect(result.notices.map((n) => n.text).join('\n')).toContain('workers = pull requests waiting for messages');
  expect(result.executed).toMatch(/CONSUMER\.LIST × 1 stream\(s\), 2 STREAM\.MSG\.GET: 3 consumer\(s\)/);
});

it('reads no oldest message and no advisory counts for an overview that asks for other metrics', async () => {
  const src = source({ advisoryStream: state.advisories });
  const result = await src.read(
    q({ queryType: 'overview', queues: [`${state.stream}/*`], metrics: ['wait'] }),
    window()
  );
  if (result.type !== 'overview') {
    throw new Error(result.type);
  }
  expect(result.stats.map((s) => [s.queue, s.values.wait, s.values.dead])).toEqual([
    [`${state.stream}/idle`, 12, undefined],
    [`${state.stream}/poller`, 0, undefined],
    [`${state.stream}/worker`, 3, undefined],
  ]);
  expect(result.executed).toMatch(/CONSUMER\.LIST × 1 stream\(s\), 0 STREAM\.MSG\.GET: 3 consumer\(s\)$/);
});

it('lists dead messages from the advisory stream with their original payloads', async () => {
  const result = await source({ advisoryStream: state.advisories }).read(
    q({ queryType: 'jobs', state: 'dead', queues: [`${state.stream}/worker`] }),
    window()
  );
  if (result.type !== 'jobs') {
    throw new Error(result.type);
  }
  // Newest first: the three max-deliveries advisories, then the terminated one.
  expect(result.rows.map((r) => [r.id, r.attempts, r.error])).toEqual([
    ['email-6 (seq 6)', 2, 'max deliveries reached (2 deliveries)'],
    ['email-5 (seq 5)', 2, 'max deliveries reached (2 deliveries)'],
    ['email-3 (seq 3)', 2, 'max deliveries reached (2 deliveries)'],
    ['email-4 (seq 4)', 1, 'terminated by the worker (msg.term) after 1 deliveries'],
  ]);
  const term = result.rows[3];
  expect(term).toMatchObject({
    system: 'jetstream',
    queue: `${state.stream}/worker`,
    name: `jobs.${state.sfx}.email`,
    state: 'dead',
    traceId: TRACE_ID,
    createdAt: await state.timeOf(4),
    payload: { kind: 'json', preview: JSON.stringify({ to: 'user4@example.com', n: 4 }), truncated: false },
  });
  expect(term.finishedAt).toBeGreaterThanOrEqual(term.createdAt!);
  const failures = await source({ advisoryStream: state.advisories }).read(
    q({ queryType: 'failures', queues: [`${state.stream}/*`] }),
    window()
  );
  if (failures.type !== 'failures') {
    throw new Error(failures.type);
  }
  expect(failures.groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
    [`${state.stream}/worker`, 'max_deliver: max deliveries reached', 3],
    [`${state.stream}/worker`, 'terminated: terminated by the worker', 1],
  ]);
});

it('lists waiting and active messages by sequence, matching jsm.consumers.info and jsm.streams.getMessage', async () => {
  const src = source({});
  const worker = await state.jsm.consumers.info(state.stream, 'worker');
  expect([worker.delivered.stream_seq, worker.num_pending, worker.num_ack_pending]).toEqual([7, 3, 1]);
  const waiting = await src.read(
    q({ queryType: 'jobs', state: 'waiting', queues: [`${state.stream}/worker`] }),
    window()
  );
  if (waiting.type !== 'jobs') {
    throw new Error(waiting.type);
  }
  expect(waiting.rows.map((r) => [r.id, r.name, r.state, r.attempts])).toEqual([
    ['email-8 (seq 8)', `jobs.${state.sfx}.email`, 'waiting', 0],
    ['email-9 (seq 9)', `jobs.${state.sfx}.email`, 'waiting', 0],
    ['email-10 (seq 10)', `jobs.${state.sfx}.email`, 'waiting', 0],
  ]);
  const own = await state.jsm.streams.getMessage(state.stream, { seq: 8 });
  expect(waiting.rows[0]).toMatchObject({
    createdAt: Date.parse(own.timestamp),
    payload: { kind: 'json', preview: own.string(), bytes: own.data.length, truncated: false },
  });
  // Terminated (4) and given up on (3, 5, 6) are no longer ack pending, but nats-server 2.9 moves the
  // ack floor only on the next ack: it stays at 2, and JetStream does not say which of 3–7 are done.
  expect(worker.ack_floor.stream_seq).toBe(2);
  const active = await src.read(
    q({ queryType: 'jobs', state: 'active', queues: [`${state.stream}/worker`] }),
    window()
  );
  expect(active.type === 'jobs' && active.rows.map((r) => [r.id, r.state])).toEqual(
    [3, 4, 5, 6, 7].map((n) => [`email-${n} (seq ${n})`, 'active'])
  );
  expect(active.notices.map((n) => n.text)).toContain(
    `${state.stream}/worker: 1 message(s) await an ack; all 5 stored message(s) between the ack floor (seq 2) and the last delivered (seq 7) are listed. ` +
      'JetStream does not expose which of these were already acknowledged out of order (or given up on after max_deliver or a term), so some listed ones may be done'
  );
  // A consumer without a filter waits for the whole stream: the .sms messages carry no Nats-Msg-Id.
  const idle = await src.read(q({ queryType: 'jobs', state: 'waiting', queues: [`${state.stream}/idle`] }), window());
  expect(idle.type === 'jobs' && idle.rows.map((r) => r.id)).toEqual([
    ...Array.from({ length: 10 }, (_, i) => `email-${i + 1} (seq ${i + 1})`),
    'seq 11',
    'seq 12',
  ]);
  expect(idle.type === 'jobs' && idle.rows[3].traceId).toBe(TRACE_ID);
  // poller has nothing pending: no message is read at all.
  const none = await src.read(q({ queryType: 'jobs', state: 'waiting', queues: [`${state.stream}/poller`] }), window());
  expect([none.type === 'jobs' && none.rows, none.executed]).toEqual([
    [],
    expect.stringContaining(', 0 STREAM.MSG.GET'),
  ]);
});

it('explains how to capture advisories when no advisory stream is set', async () => {
  const result = await source({}).read(q({ queryType: 'jobs', state: 'dead' }), window());
  expect(result.type === 'jobs' && result.rows).toEqual([]);
  expect(result.notices[0].text).toMatch(/JetStream has no dead-letter queue/);
});

it('reads without changing any stream or consumer (no delivery, no ack, no new consumer)', async () => {
  const snapshot = async () => ({
    consumers: await Promise.all(
      ['idle', 'poller', 'worker'].map(async (c) => {
        const i = await state.jsm.consumers.info(state.stream, c);
        return [
          c,
          i.delivered.stream_seq,
          i.delivered.consumer_seq,
          i.ack_floor.stream_seq,
          i.num_pending,
          i.num_ack_pending,
          i.num_redelivered,
        ];
      })
    ),
    stream: (await state.jsm.streams.info(state.stream)).state,
    advisories: (await state.jsm.streams.info(state.advisories)).state,
  });
  const before = await snapshot();
  const src = source({ advisoryStream: state.advisories });
  for (const queryType of ['overview', 'workers', 'timeseries', 'failures'] as const) {
    await src.read(q({ queryType }), window());
  }
  for (const st of ['dead', 'failed', 'waiting', 'active'] as const) {
    await src.read(q({ queryType: 'jobs', state: st }), window());
  }
  await src.checkHealth();
  await src.listQueues();
  expect(await snapshot()).toEqual(before);
  expect(before.stream.consumer_count).toBe(3);
});

it('names the queue format in the 404 for an unknown consumer or stream, and a down server in the 502', async () => {
  const src = source({});
  const err = await src.read(q({ queues: [`${state.stream}/nope`] }), window()).catch((e) => e);
  expect(err).toBeInstanceOf(JobscopeError);
  expect([err.status, err.source, err.message]).toEqual([
    404,
    'downstream',
    `queue "${state.stream}/nope" not found (a JetStream queue is <stream>/<consumer>, e.g. ORDERS/worker)`,
  ]);
  const noStream = await src.read(q({ queues: [`NO_SUCH_${state.sfx}/worker`] }), window()).catch((e) => e);
  expect(noStream.status).toBe(404);
  const down = await source({ url: 'nats://127.0.0.1:1' })
    .checkHealth()
    .catch((e) => e);
  expect([down.status, down.message]).toEqual([502, 'NATS server at 127.0.0.1:1 is unreachable (connection refused)']);
  const missingAdvisories = await source({ advisoryStream: `NO_SUCH_${state.sfx}` })
    .read(q({ queryType: 'jobs', state: 'dead' }), window())
    .catch((e) => e);
  expect(missingAdvisories.status).toBe(404);
  expect(() => source({ url: 'http://127.0.0.1:4222' })).toThrow(/not a server URL like nats:\/\/host:4222/);
});

it('shows binary and large dead payloads bounded and hex-safe', async () => {
  const name = `BIN_${state.sfx}`;
  const adv = `BINDEAD_${state.sfx}`;
  const js = state.nc.jetstream();
  await state.jsm.streams.add({ name: adv, subjects: [`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${name}.>`] });
  await state.jsm.streams.add({ name, subjects: [`bin.${state.sfx}`] });
  try {
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    const big = 'x'.repeat(900_000); // the server's default max_payload is 1 MB
    await js.publish(`bin.${state.sfx}`, binary);
    await js.publish(`bin.${state.sfx}`, big);
    await state.jsm.consumers.add(name, { durable_name: 'w', ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get(name, 'w');
    let n = 0;
    for await (const m of await c.fetch({ max_messages: 2, expires: 2000 })) {
      m.term();
      if (++n === 2) {
        break;
      }
    }
    for (let t = 0; t < 50 && (await state.jsm.streams.info(adv)).state.messages < 2; t++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const result = await source({ advisoryStream: adv, payloadLimitBytes: 64 }).read(
      q({ queryType: 'jobs', state: 'dead' }),
      window()
    );
    if (result.type !== 'jobs') {
      throw new Error(result.type);
    }
    expect(
      result.rows.map((r) => [r.id, r.payload?.kind, r.payload?.bytes, r.payload?.truncated, r.payload?.preview.length])
    ).toEqual([
      ['seq 2', 'text', 900_000, true, 64],
      ['seq 1', 'binary', 256, true, 64],
    ]);
    expect(result.rows[1].payload!.preview).toBe(Buffer.from(binary.subarray(0, 32)).toString('hex'));
  } finally {
    await state.jsm.streams.delete(name).catch(() => undefined);
    await state.jsm.streams.delete(adv).catch(() => undefined);
  }
});
