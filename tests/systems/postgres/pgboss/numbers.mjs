/**
 * The pg-boss states behind issue 9's numbers, built with the REAL pg-boss of a given major
 * (10 = npm pg-boss 10.4, 11 = pg-boss11 11.1, 12 = pg-boss12 12.38), then pg-boss's own read
 * API over stdin/stdout (one JSON object a line, as driver.mjs).
 *
 *   node numbers.mjs <major 10|11|12> <connection string> <schema> [worker]
 *
 * State (supervision and cron off; the tests call supervise() only where pg-boss 12 must
 * compute its own readyOldestSeconds):
 *  - late: `backdated`, sent now with startAfter three hours back (runnable since it was sent).
 *  - orders (deadLetter orders_dlq, retryLimit 0): a real worker throws, so pg-boss fails the
 *    job and copies it into orders_dlq as a new job.
 *  - checkout (no queue deadLetter, retryLimit 0): `perJob` is sent with the send option
 *    deadLetter 'review', and a real worker throws; 10 and 12.8+ copy it into `review`, an
 *    ordinary queue that also holds `reviewWait`, a job sent to it directly. pg-boss 11 has no
 *    such option (createJob drops it): there `perJob` fails with no copy.
 *  - traced (12): sent with OpenTelemetry context propagation on (openTelemetry.propagateContext
 *    with an SDK tracer provider and the W3C propagator, as an application configures it);
 *    `traceId` is the trace of pg-boss's own `send traced` span.
 *  - reports (12): a worker polls it; with `worker`, this process only registers a second
 *    instance working `reports` (the test SIGKILLs it) and prints {"ready": true}.
 */
import { createInterface } from 'node:readline';

const [major, url, schema, role] = process.argv.slice(2);
const mod = await import({ 10: 'pg-boss', 11: 'pg-boss11', 12: 'pg-boss12' }[major]);
const PgBoss = mod.PgBoss ?? mod.default?.PgBoss ?? mod.default;
const v12 = major === '12';
const send = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

let spans;
const telemetry = {};
if (v12 && role !== 'worker') {
  const { TracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = await import('@opentelemetry/sdk-trace');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  spans = new InMemorySpanExporter();
  telemetry.openTelemetry = {
    propagateContext: true,
    tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
    propagator: new W3CTraceContextPropagator(),
  };
}
const boss = new PgBoss({
  connectionString: url,
  schema,
  supervise: false,
  schedule: false,
  ...(v12
    ? { instanceHeartbeatSeconds: 1, instanceName: `jobscope-${role ?? 'main'}-${process.pid}`, ...telemetry }
    : {}),
});
boss.on('error', (e) => process.stderr.write(`pg-boss error: ${e.message}\n`));
await boss.start();
const polling = { pollingIntervalSeconds: 0.5 };
// Queued jobs by pg-boss's own count: getQueueSize (10), getQueueStats (11; 12 forced, it has no getQueueSize).
const queued = async (name) => {
  if (major === '10') {
    return boss.getQueueSize(name);
  }
  const stats = await boss.getQueueStats(name, v12 ? { force: true } : undefined);
  return (Array.isArray(stats) ? stats[0] : stats).queuedCount;
};
/** Polls until `done` (pg-boss's own reads) or fails after 30 s with `what`. */
const until = async (done, what) => {
  for (const end = Date.now() + 30_000; !(await done());) {
    if (Date.now() > end) {
      throw new Error(what());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
};

if (role === 'worker') {
  await boss.createQueue('reports');
  await boss.work('reports', polling, async () => undefined);
  await new Promise((r) => setTimeout(r, 1500)); // the registry records the work() on the next heartbeat
  send({ ready: true, pid: process.pid });
  await new Promise(() => undefined); // until killed
}

const ids = {};
await boss.createQueue('late');
ids.backdated = await boss.send('late', { n: 'backdated' }, { startAfter: new Date(Date.now() - 3 * 3600_000) });

await boss.createQueue('orders_dlq');
await boss.createQueue('orders', { deadLetter: 'orders_dlq', retryLimit: 0 });
ids.order = await boss.send('orders', { order: 42 });
await boss.work('orders', polling, async () => {
  throw new Error('order 42 rejected by warehouse');
});
for (const end = Date.now() + 30_000; ;) {
  const job = await boss.getJobById('orders', ids.order);
  if (job?.state === 'failed' && (await queued('orders_dlq')) === 1) {
    break;
  }
  if (Date.now() > end) {
    throw new Error(`order did not fail into orders_dlq: ${job?.state}`);
  }
  await new Promise((r) => setTimeout(r, 100));
}
await boss.offWork('orders');

await boss.createQueue('review');
await boss.createQueue('checkout', { retryLimit: 0 });
ids.reviewWait = await boss.send('review', { review: 'by hand' });
ids.perJob = await boss.send('checkout', { cart: 7 }, { deadLetter: 'review' });
await boss.work('checkout', polling, async () => {
  throw new Error('cart 7 payment refused');
});
const copies = major === '11' ? 0 : 1;
await until(
  async () =>
    (await boss.getJobById('checkout', ids.perJob))?.state === 'failed' && (await queued('review')) === 1 + copies,
  () => `checkout did not fail into review (${copies} copy)`
);
await boss.offWork('checkout');

if (v12) {
  await boss.createQueue('traced');
  ids.traced = await boss.send('traced', { n: 'traced' });
  await telemetry.openTelemetry.tracerProvider.forceFlush();
  const span = spans.getFinishedSpans().find((s) => s.name === 'send traced');
  if (!span) {
    throw new Error(`no send span: ${spans.getFinishedSpans().map((s) => s.name)}`);
  }
  ids.traceId = span.spanContext().traceId;
  await boss.createQueue('reports');
  await boss.work('reports', polling, async () => undefined);
  await new Promise((r) => setTimeout(r, 1500));
}

send({ ready: true, ids });

const ops = {
  getQueue: (name) => boss.getQueue(name),
  queued: (name) => queued(name),
  getJobById: (name, id) => boss.getJobById(name, id),
  getInstances: () => boss.getInstances(),
  // pg-boss 12 computes readyOldestSeconds in a monitor pass with persistQueueStats on: a
  // second PgBoss so configured runs one supervise() pass of that queue and reads its newest
  // recorded snapshot (getQueueStats), then stops.
  readyOldestSeconds: async (name) => {
    const stats = new PgBoss({
      connectionString: url,
      schema,
      supervise: false,
      schedule: false,
      persistQueueStats: true,
    });
    stats.on('error', (e) => process.stderr.write(`pg-boss error: ${e.message}\n`));
    await stats.start();
    try {
      await stats.supervise(name);
      const history = await stats.getQueueStats(name);
      return history.at(-1)?.readyOldestSeconds ?? null;
    } finally {
      await stats.stop({ graceful: false, wait: true, close: true });
    }
  },
  stop: async () => {
    await boss.stop({ graceful: false, wait: true, destroy: true, close: true });
    setTimeout(() => process.exit(0), 50);
    return true;
  },
};
for await (const line of createInterface({ input: process.stdin })) {
  const { id, op, args = [] } = JSON.parse(line);
  try {
    if (!ops[op]) {
      throw new Error(`no op ${op}`);
    }
    send({ id, result: (await ops[op](...args)) ?? null });
  } catch (e) {
    send({ id, error: e.message });
  }
}
