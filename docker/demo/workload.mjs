// Jobscope demo workload: a BullMQ producer and workers that keep a Redis busy with the kinds
// of job traffic Jobscope is meant to show: steady successes, slow jobs, retries, failures with
// a few recurring error reasons, a poison job that always fails, a worker that is killed while
// holding a job (a stalled job), and W3C traceparent on every job (data.traceparent and the
// BullMQ telemetry metadata in opts).
//
// Env:
//   REDIS_URL            redis://redis:6379/0 (in docker compose)
//   DEMO_PREFIX          BullMQ key prefix (bull)
//   DEMO_RATE            jobs produced per second, roughly (4)
//   DEMO_DURATION_SEC    stop by itself after this many seconds (0 = run until SIGTERM/SIGINT)
//   DEMO_STALL_EVERY_SEC how often a worker is killed while holding a job (90)
//
// Run locally against a throw-away db:  REDIS_URL=redis://127.0.0.1:6379/14 DEMO_PREFIX=demo \
//   DEMO_DURATION_SEC=60 node docker/demo/workload.mjs
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Queue, Worker, UnrecoverableError } from 'bullmq';

const REDIS_URL = process.env.REDIS_URL || 'redis://redis:6379/0';
const PREFIX = process.env.DEMO_PREFIX || 'bull';
const RATE = Number(process.env.DEMO_RATE || 4);
const DURATION = Number(process.env.DEMO_DURATION_SEC || 0);
const STALL_EVERY = Number(process.env.DEMO_STALL_EVERY_SEC || 90);
const STALL_LOCK_MS = 10_000;

function connectionFromUrl(url) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number((u.pathname || '/0').slice(1) || 0),
    tls: u.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null, // required by BullMQ workers
  };
}
const connection = connectionFromUrl(REDIS_URL);
const log = (...a) => console.log(new Date().toISOString(), `[${process.pid}]`, ...a);
const rand = (min, max) => min + Math.random() * (max - min);
const pick = (arr) => arr[Math.floor(Math.random() * arr.length)];

/** A fresh W3C trace context: 00-<trace-id>-<parent-id>-01 (sampled). */
function traceparent() {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}
/** Job options carrying the trace context the way BullMQ's telemetry stores it (opts.tm). */
function traced(opts = {}) {
  const tp = traceparent();
  return { tp, opts: { ...opts, telemetry: { metadata: JSON.stringify({ traceparent: tp }) } } };
}

const retention = { removeOnComplete: { age: 3600, count: 2000 }, removeOnFail: { age: 24 * 3600, count: 5000 } };
const QUEUES = ['emails', 'reports', 'payments', 'exports'];

// ------------------------------------------------------------------ stalled-worker child
// `node workload.mjs --stall-worker`: takes one job from `exports`, tells the parent, and hangs
// until the parent SIGKILLs it, so the job stays active with a lock nobody renews.
if (process.argv.includes('--stall-worker')) {
  const worker = new Worker(
    'exports',
    async (job) => {
      log(`stall-worker holding exports job ${job.id}; waiting to be killed`);
      process.send?.({ holding: job.id });
      await new Promise(() => {}); // never returns
    },
    { connection, prefix: PREFIX, concurrency: 1, lockDuration: STALL_LOCK_MS, autorun: true },
  );
  worker.on('error', (e) => log('stall-worker error', e.message));
} else {
  await main();
}

async function main() {
  log(`demo workload: ${REDIS_URL} prefix=${PREFIX} rate=${RATE}/s duration=${DURATION || '∞'}s`);
  const queues = Object.fromEntries(
    QUEUES.map((n) => [n, new Queue(n, { connection, prefix: PREFIX, defaultJobOptions: retention })]),
  );
  const workers = [];
  let stopping = false;
  const counts = { added: 0, completed: 0, failed: 0, retried: 0, stalled: 0 };

  // ---------------- workers
  const onEvents = (w) => {
    w.on('completed', () => counts.completed++);
    w.on('failed', (job, err) => {
      if (!job) return;
      if (job.attemptsMade < (job.opts.attempts ?? 1) && !(err instanceof UnrecoverableError)) counts.retried++;
      else counts.failed++;
    });
    w.on('stalled', (id) => { counts.stalled++; log(`job ${id} stalled (lock expired) and was moved back to wait`); });
    w.on('error', (e) => log(`worker ${w.name} error:`, e.message));
    workers.push(w);
    return w;
  };

  // emails: fast; transient SMTP errors retried with exponential backoff.
  onEvents(new Worker('emails', async (job) => {
    await sleep(rand(20, 250));
    const r = Math.random();
    if (r < 0.06) throw new Error('SMTP 421 4.7.0 Try again later');
    if (r < 0.08) throw new Error('getaddrinfo ENOTFOUND smtp.mail.invalid');
    await job.updateProgress(100);
    return { messageId: randomBytes(6).toString('hex'), to: job.data.to };
  }, { connection, prefix: PREFIX, concurrency: 5 }));

  // reports: slow, with progress updates.
  onEvents(new Worker('reports', async (job) => {
    const steps = 5;
    for (let i = 1; i <= steps; i++) {
      await sleep(rand(400, 1600));
      await job.updateProgress(Math.round((i / steps) * 100));
    }
    if (Math.random() < 0.05) throw new Error('report query timed out after 30s');
    return { rows: Math.floor(rand(10, 5000)) };
  }, { connection, prefix: PREFIX, concurrency: 2 }));

  // payments: a few recurring failure reasons, retries; the poison job always fails.
  const PAYMENT_ERRORS = [
    'card_declined: insufficient_funds',
    'gateway timeout after 30000ms',
    'read ECONNRESET (payments-gateway:443)',
  ];
  onEvents(new Worker('payments', async (job) => {
    await sleep(rand(50, 600));
    if (job.name === 'refund-poison') {
      throw new Error('Invariant violation: refund amount exceeds captured amount');
    }
    if (job.data.amountCents > 90_000) {
      throw new UnrecoverableError('amount above single-charge limit');
    }
    if (Math.random() < 0.15) throw new Error(pick(PAYMENT_ERRORS));
    return { chargeId: `ch_${randomBytes(8).toString('hex')}` };
  }, { connection, prefix: PREFIX, concurrency: 3 }));

  // ---------------- producer
  const customers = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark'];
  async function produceOne() {
    const r = Math.random();
    if (r < 0.55) {
      const { tp, opts } = traced({ attempts: 3, backoff: { type: 'exponential', delay: 500 } });
      await queues.emails.add(pick(['welcome', 'receipt', 'password-reset']),
        { to: `user${Math.floor(rand(1, 999))}@${pick(customers)}.test`, traceparent: tp }, opts);
    } else if (r < 0.85) {
      const { tp, opts } = traced({ attempts: 4, backoff: { type: 'fixed', delay: 1000 },
        priority: Math.random() < 0.2 ? 1 : undefined });
      await queues.payments.add('charge',
        { customer: pick(customers), amountCents: Math.floor(rand(100, 95_000)), traceparent: tp }, opts);
    } else {
      const { tp, opts } = traced({ attempts: 2, backoff: { type: 'fixed', delay: 2000 },
        delay: Math.random() < 0.3 ? Math.floor(rand(2000, 15000)) : undefined });
      await queues.reports.add(pick(['daily-sales', 'churn', 'inventory']),
        { customer: pick(customers), traceparent: tp }, opts);
    }
    counts.added++;
  }

  // The poison job: one fixed id; an "operator" retries it whenever it has ended up failed.
  const POISON_ID = 'refund-poison-1';
  async function ensurePoison() {
    const job = await queues.payments.getJob(POISON_ID);
    if (!job) {
      const { tp, opts } = traced({ jobId: POISON_ID, attempts: 5, backoff: { type: 'exponential', delay: 1000 },
        removeOnFail: false, removeOnComplete: false });
      await queues.payments.add('refund-poison', { customer: 'umbrella', amountCents: 12_500, traceparent: tp }, opts);
      log(`added poison job ${POISON_ID}`);
    } else if (await job.isFailed()) {
      await job.retry('failed');
      log(`operator retried poison job ${POISON_ID} (it will fail again)`);
    }
  }

  // The stalled worker: a child process takes an `exports` job and is SIGKILLed while holding
  // it. The job sits active with an expiring lock until a recovery worker's stall check moves
  // it back to wait and finishes it; then the recovery worker is closed again.
  const self = fileURLToPath(import.meta.url);
  async function stallCycle() {
    const { tp, opts } = traced({ attempts: 3 });
    const job = await queues.exports.add('csv-export', { customer: pick(customers), traceparent: tp }, opts);
    const child = fork(self, ['--stall-worker'], { stdio: 'inherit', env: process.env });
    const held = await Promise.race([
      new Promise((res) => child.once('message', (m) => res(m?.holding))),
      sleep(20_000).then(() => null),
    ]);
    child.kill('SIGKILL');
    log(held ? `killed worker pid ${child.pid} while it held exports job ${held}` : 'stall-worker took no job in 20s');
    // Leave the job visibly stalled for a while, then let a worker recover it.
    for (let waited = 0; waited < 30 && !stopping; waited++) await sleep(1000);
    if (stopping) return;
    const recovery = onEvents(new Worker('exports', async (j) => {
      await sleep(rand(200, 800));
      return { file: `s3://exports/${j.id}.csv` };
    }, { connection, prefix: PREFIX, concurrency: 1, lockDuration: STALL_LOCK_MS, stalledInterval: 5000 }));
    const deadline = Date.now() + 60_000;
    while (!stopping && Date.now() < deadline) {
      const state = await job.getState();
      if (state === 'completed' || state === 'failed') { log(`exports job ${job.id} recovered: ${state}`); break; }
      await sleep(1000);
    }
    await recovery.close();
    workers.splice(workers.indexOf(recovery), 1);
  }

  // ---------------- loops
  async function stop(why) {
    if (stopping) return;
    stopping = true;
    log(`stopping (${why})`, JSON.stringify(counts));
    await Promise.allSettled(workers.map((w) => w.close()));
    await Promise.allSettled(Object.values(queues).map((q) => q.close()));
    log('stopped');
    process.exit(0);
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (DURATION > 0) setTimeout(() => stop(`DEMO_DURATION_SEC=${DURATION}`), DURATION * 1000).unref();

  (async () => {
    while (!stopping) {
      await ensurePoison().catch((e) => log('poison:', e.message));
      for (let i = 0; i < 30 && !stopping; i++) await sleep(1000);
    }
  })();
  (async () => {
    await sleep(3000);
    while (!stopping) {
      await stallCycle().catch((e) => log('stall cycle:', e.message));
      for (let i = 0; i < STALL_EVERY && !stopping; i++) await sleep(1000);
    }
  })();
  setInterval(() => log('counts', JSON.stringify(counts)), 15_000).unref();

  while (!stopping) {
    await produceOne().catch((e) => log('produce:', e.message));
    await sleep(rand(0.5, 1.5) * (1000 / RATE));
  }
}
