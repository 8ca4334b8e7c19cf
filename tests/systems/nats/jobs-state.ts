/**
 * A pull worker's state made by the nats client, on a work-queue stream and the same on a
 * limits stream (names isolated by a random suffix). Each stream `<P>_<sfx>` has subjects
 * `<p>.<sfx>.resize` (jobs) and `<p>.<sfx>.audit` (not the consumer's); published in order:
 *   seq  1 resize img-1      seq  6 resize img-5      seq 11 audit  audit-3
 *   seq  2 resize img-2      seq  7 audit  audit-2    seq 12 resize img-9 (large, JSON)
 *   seq  3 audit  audit-1    seq  8 resize img-6      seq 13 resize img-10
 *   seq  4 resize img-3      seq  9 resize img-7 (traceparent)
 *   seq  5 resize img-4      seq 10 resize img-8 (256 binary bytes)
 * Consumer `resizer` (pull, filter .resize, ack explicit, ack_wait 60 s, max_deliver 5): a
 * worker fetched img-1…img-6, acked img-1, img-2 and img-5 (out of order), nak'd img-3 and
 * holds img-4 and img-6; then fetched again, got img-3 redelivered and nak'd it with a 60 s
 * delay (redelivered, left). So: delivered.stream_seq 8, ack pending img-3, img-4, img-6,
 * redelivered 1, waiting img-7…img-10. The work-queue stream deleted the acked messages.
 */
import {
  AckPolicy,
  ConnectionOptions,
  connect,
  headers,
  JetStreamManager,
  NatsConnection,
  RetentionPolicy,
} from 'nats';

export const JOBS_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
export const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

export interface JobsStream {
  name: string;
  subject: (s: 'resize' | 'audit') => string;
  /** Stream sequence → what was published there. */
  published: Map<number, { subject: string; msgId: string; data: Uint8Array }>;
}

export interface JobsState {
  sfx: string;
  nc: NatsConnection;
  jsm: JetStreamManager;
  workQueue: JobsStream;
  limits: JobsStream;
  release(): Promise<void>;
}

async function makeStream(
  nc: NatsConnection,
  jsm: JetStreamManager,
  name: string,
  prefix: string,
  retention: RetentionPolicy,
  largeBytes: number
): Promise<JobsStream> {
  const js = nc.jetstream();
  const subject = (s: 'resize' | 'audit') => `${prefix}.${s}`;
  await jsm.streams.add({ name, subjects: [`${prefix}.>`], retention });
  const plan: Array<['resize' | 'audit', string]> = [
    ['resize', 'img-1'],
    ['resize', 'img-2'],
    ['audit', 'audit-1'],
    ['resize', 'img-3'],
    ['resize', 'img-4'],
    ['resize', 'img-5'],
    ['audit', 'audit-2'],
    ['resize', 'img-6'],
    ['resize', 'img-7'],
    ['resize', 'img-8'],
    ['audit', 'audit-3'],
    ['resize', 'img-9'],
    ['resize', 'img-10'],
  ];
  const published = new Map<number, { subject: string; msgId: string; data: Uint8Array }>();
  for (const [s, msgId] of plan) {
    const h = headers();
    h.set('Nats-Msg-Id', msgId);
    if (msgId === 'img-7') {
      h.set('traceparent', `00-${JOBS_TRACE_ID}-b7ad6b7169203331-01`);
    }
    let data: Uint8Array;
    if (msgId === 'img-8') {
      data = BINARY;
    } else if (msgId === 'img-9') {
      data = Buffer.from(JSON.stringify({ image: msgId, blob: 'x'.repeat(largeBytes) }));
    } else {
      data = Buffer.from(JSON.stringify({ image: msgId }));
    }
    const ack = await js.publish(subject(s), data, { headers: h });
    published.set(ack.seq, { subject: subject(s), msgId, data });
  }
  await jsm.consumers.add(name, {
    durable_name: 'resizer',
    ack_policy: AckPolicy.Explicit,
    ack_wait: 60_000_000_000,
    max_deliver: 5,
    filter_subject: subject('resize'),
  });
  const worker = await js.consumers.get(name, 'resizer');
  let i = 0;
  for await (const m of await worker.fetch({ max_messages: 6, expires: 3000 })) {
    const id = m.headers?.get('Nats-Msg-Id');
    if (id === 'img-1' || id === 'img-2' || id === 'img-5') {
      await m.ackAck();
    } else if (id === 'img-3') {
      m.nak();
    } // img-4, img-6: held, unacknowledged
    if (++i === 6) {
      break;
    }
  }
  for await (const m of await worker.fetch({ max_messages: 1, expires: 3000 })) {
    if (m.headers?.get('Nats-Msg-Id') !== 'img-3' || m.info.redeliveryCount !== 2) {
      throw new Error(`expected img-3 redelivered, got ${m.headers?.get('Nats-Msg-Id')} (${m.info.redeliveryCount})`);
    }
    m.nak(60_000); // redelivered and left: back in 60 s
    break;
  }
  // Let the naks reach the server before anyone reads the consumer.
  for (let t = 0; t < 50; t++) {
    const ci = await jsm.consumers.info(name, 'resizer');
    if (ci.num_redelivered === 1 && ci.num_ack_pending === 3) {
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, subject, published };
}

export async function makeJobsState(opts: ConnectionOptions, largeBytes: number): Promise<JobsState> {
  const sfx = Math.random().toString(36).slice(2, 10);
  const nc = await connect(opts);
  const jsm = await nc.jetstreamManager();
  const workQueue = await makeStream(nc, jsm, `WQ_${sfx}`, `wq.${sfx}`, RetentionPolicy.Workqueue, largeBytes);
  const limits = await makeStream(nc, jsm, `LIM_${sfx}`, `lim.${sfx}`, RetentionPolicy.Limits, largeBytes);
  return {
    sfx,
    nc,
    jsm,
    workQueue,
    limits,
    release: async () => {
      await jsm.streams.delete(workQueue.name).catch(() => undefined);
      await jsm.streams.delete(limits.name).catch(() => undefined);
      await nc.close();
    },
  };
}
