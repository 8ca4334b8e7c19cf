/**
 * A JetStream state made by the nats client itself, isolated by a random suffix:
 *   stream JOBS_<sfx> (subjects jobs.<sfx>.>): 10 messages on .email (seq 1–10, seq 4 carries
 *   a traceparent header), 2 on .sms (11–12)
 *   stream DEAD_<sfx>: captures the max-deliveries and terminated advisories of JOBS_<sfx>
 *   consumer `worker` (pull, .email, ack_wait 1 s, max_deliver 2): fetched 1–6, acked 1–2,
 *     nak 3, term 4 (terminated advisory), 5–6 left to time out; the redeliveries of 3, 5, 6
 *     left unacked again → max deliveries advisories; then 7 fetched and left unacknowledged
 *   consumer `idle` (pull, whole stream): never fetched
 *   consumer `poller` (pull, .sms, deliver new): one pull request waiting (num_waiting 1)
 */
import { AckPolicy, connect, ConnectionOptions, DeliverPolicy, headers, JetStreamManager, NatsConnection } from 'nats';

export const NATS_URL = process.env.JOBSCOPE_NATS_URL || 'nats://127.0.0.1:4222';
export const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export interface NatsState {
  sfx: string;
  stream: string;
  advisories: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  /** Publish time (ms) of a message of JOBS_<sfx>, by sequence. */
  timeOf(seq: number): Promise<number>;
  release(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function makeNatsState(opts: ConnectionOptions = { servers: NATS_URL }): Promise<NatsState> {
  const sfx = Math.random().toString(36).slice(2, 10);
  const stream = `JOBS_${sfx}`;
  const advisories = `DEAD_${sfx}`;
  const nc = await connect(opts);
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  await jsm.streams.add({
    name: advisories,
    subjects: [
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${stream}.>`,
      `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.>`,
    ],
  });
  await jsm.streams.add({ name: stream, subjects: [`jobs.${sfx}.>`] });
  for (let i = 1; i <= 10; i++) {
    const h = headers();
    h.set('Nats-Msg-Id', `email-${i}`);
    if (i === 4) {
      h.set('traceparent', `00-${TRACE_ID}-00f067aa0ba902b7-01`);
    }
    await js.publish(`jobs.${sfx}.email`, JSON.stringify({ to: `user${i}@example.com`, n: i }), { headers: h });
  }
  for (let i = 1; i <= 2; i++) {
    await js.publish(`jobs.${sfx}.sms`, JSON.stringify({ sms: i }));
  }
  await jsm.consumers.add(stream, {
    durable_name: 'worker',
    ack_policy: AckPolicy.Explicit,
    ack_wait: 1_000_000_000,
    max_deliver: 2,
    filter_subject: `jobs.${sfx}.email`,
  });
  await jsm.consumers.add(stream, { durable_name: 'idle', ack_policy: AckPolicy.Explicit });
  await jsm.consumers.add(stream, {
    durable_name: 'poller',
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.New,
    filter_subject: `jobs.${sfx}.sms`,
  });

  const worker = await js.consumers.get(stream, 'worker');
  let i = 0;
  for await (const m of await worker.fetch({ max_messages: 6, expires: 3000 })) {
    if (i < 2) {
      m.ack();
    } else if (i === 2) {
      m.nak();
    } else if (i === 3) {
      m.term();
    }
    if (++i === 6) {
      break;
    }
  }
  await sleep(1300); // ack_wait passes: 3 (nak'd), 5, 6 are due again
  for await (const m of await worker.fetch({ max_messages: 3, expires: 1500 })) {
    void m; // redelivered (2nd delivery = max_deliver), left unacknowledged again
  }
  await sleep(1300);
  // This pull makes the server give up on 3, 5, 6 (max deliveries advisories) and deliver 7.
  for await (const m of await worker.fetch({ max_messages: 1, expires: 1500 })) {
    void m; // left unacknowledged: active = 1
  }
  // A pull request that stays waiting (num_waiting = 1) until release().
  const poller = await js.consumers.get(stream, 'poller');
  const waiting = await poller.fetch({ max_messages: 1, expires: 120_000 });
  const drained = (async () => {
    for await (const m of waiting) {
      void m;
    }
  })().catch(() => undefined);
  for (let t = 0; t < 50 && (await jsm.consumers.info(stream, 'poller')).num_waiting === 0; t++) {
    await sleep(50);
  }
  for (let t = 0; t < 50 && (await jsm.streams.info(advisories)).state.messages < 4; t++) {
    await sleep(50);
  }
  return {
    sfx,
    stream,
    advisories,
    nc,
    jsm,
    timeOf: async (seq) => Date.parse((await jsm.streams.getMessage(stream, { seq })).timestamp),
    release: async () => {
      waiting.stop();
      await drained;
      await jsm.streams.delete(stream).catch(() => undefined);
      await jsm.streams.delete(advisories).catch(() => undefined);
      await nc.close();
    },
  };
}
