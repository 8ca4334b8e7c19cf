/**
 * Builds one pg-boss state with the REAL pg-boss of a given major, then answers parity
 * questions with that major's own read API, over stdin/stdout (one JSON object a line).
 *
 *   node driver.mjs <major 9|10|11|12> <connection string> <schema>
 *
 * Runs outside jest on purpose: pg-boss 12 is ESM-only, and each major is imported by its
 * npm alias (pg-boss9, pg-boss = 10.4, pg-boss11, pg-boss12) exactly as an application would.
 * pg-boss 11 and 12 declare `engines.node >= 22` (12: >= 22.12); they run here on Node 20
 * for everything this driver uses (checked by the tests that use it).
 *
 * State per schema (the same for every major; supervision and cron are off so pg-boss does
 * not expire the stalled job before it is read):
 *  - emails: 2 completed, `stuck` active past its 1 s expiry (stalled), `held` active with a
 *    traceparent, 2 waiting, `later` delayed one hour.
 *  - payments: a real worker throws; p1, p2 (retryLimit 1, retryDelay 0) end failed, p3
 *    (retryLimit 5, retryDelay 3600) waits in retry.
 *  - reports: a worker polls it and stays running (v12.36+ records it in its `instance` table).
 *  - bulk: empty until the `bulk` command fills it (for the EXPLAIN test).
 * Printed first: {"ready": true, "ids": {...}, "version": <package>, "schemaVersion": n}.
 * Then commands {"id", "op", "args"} → {"id", "result"} | {"id", "error"}; ops are read-only
 * pg-boss calls (getQueueSize, getQueueStats, getJobById, getInstances) plus `stop`.
 */
import { createInterface } from 'node:readline';

const [major, url, schema] = process.argv.slice(2);
const pkg = { 9: 'pg-boss9', 10: 'pg-boss', 11: 'pg-boss11', 12: 'pg-boss12' }[major];
const mod = await import(pkg);
const PgBoss = mod.PgBoss ?? mod.default?.PgBoss ?? mod.default;
const { createRequire } = await import('node:module');
const version = createRequire(import.meta.url)(`${pkg}/package.json`).version;

const v9 = major === '9';
const boss = new PgBoss({
  connectionString: url,
  schema,
  ...(v9 ? { noSupervisor: true, noScheduling: true } : { supervise: false, schedule: false }),
  ...(major === '12' ? { instanceHeartbeatSeconds: 1, instanceName: `jobscope-test-${schema}` } : {}),
});
boss.on('error', (e) => process.stderr.write(`pg-boss error: ${e.message}\n`));
await boss.start();

// The few API differences between majors, kept here.
const createQueue = (name) => (boss.createQueue ? boss.createQueue(name) : undefined);
const fetchOne = async (name) => {
  const r = await boss.fetch(name);
  return Array.isArray(r) ? r[0] : r;
};
const complete = (name, ids, data) => (v9 ? boss.complete(ids, data) : boss.complete(name, ids, data));
const getJobById = (name, id) => (v9 ? boss.getJobById(id) : boss.getJobById(name, id));
const polling = v9 ? { newJobCheckInterval: 500 } : { pollingIntervalSeconds: 0.5 };

const ids = {};
for (const q of ['emails', 'payments', 'reports', 'bulk']) {
  await createQueue(q);
}
const done = [await boss.send('emails', { n: 1 }), await boss.send('emails', { n: 2 })];
ids.done1 = (await fetchOne('emails')).id;
ids.done2 = (await fetchOne('emails')).id;
await complete('emails', [ids.done1, ids.done2], { ok: true });
if (!done.includes(ids.done1) || !done.includes(ids.done2)) {
  throw new Error('fetched other jobs than sent');
}
ids.stuck = await boss.send('emails', { n: 'stuck' }, { expireInSeconds: 1 });
if ((await fetchOne('emails')).id !== ids.stuck) {
  throw new Error('stuck not fetched');
}
ids.held = await boss.send('emails', {
  n: 'held',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});
if ((await fetchOne('emails')).id !== ids.held) {
  throw new Error('held not fetched');
}
ids.w1 = await boss.send('emails', { n: 'w1' });
ids.w2 = await boss.send('emails', { n: 'w2' });
ids.later = await boss.send('emails', { n: 'later' }, { startAfter: 3600 });

ids.p1 = await boss.send('payments', { amount: 101 }, { retryLimit: 1, retryDelay: 0 });
ids.p2 = await boss.send('payments', { amount: 202 }, { retryLimit: 1, retryDelay: 0 });
ids.p3 = await boss.send('payments', { amount: 303, card: 'expired' }, { retryLimit: 5, retryDelay: 3600 });
await boss.work('payments', polling, async (arg) => {
  const job = Array.isArray(arg) ? arg[0] : arg;
  throw new Error(
    job.data.card ? `card for payment ${job.data.amount} expired` : `payment ${job.data.amount} declined by bank`
  );
});
for (const end = Date.now() + 30_000; ;) {
  const [a, b, c] = await Promise.all([ids.p1, ids.p2, ids.p3].map((id) => getJobById('payments', id)));
  if (a?.state === 'failed' && b?.state === 'failed' && c?.state === 'retry') {
    break;
  }
  if (Date.now() > end) {
    throw new Error(`payments did not fail: ${a?.state} ${b?.state} ${c?.state}`);
  }
  await new Promise((r) => setTimeout(r, 100));
}
await boss.offWork('payments');
await boss.work('reports', polling, async () => undefined);
await new Promise((r) => setTimeout(r, 1500)); // `stuck` passes its 1 s expiry; v12 heartbeats its workers

const { Client } = await import('pg');
const c = new Client({ connectionString: url });
await c.connect();
const schemaVersion = (await c.query(`SELECT version FROM ${schema}.version`)).rows[0].version;
await c.end();

const send = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
send({ ready: true, ids, version, schemaVersion });

const ops = {
  getQueueSize: (name, options) => boss.getQueueSize(name, options),
  // 12.x serves a cached snapshot unless forced (a forced read recomputes pg-boss's own
  // counters on its queue row; no job is touched) and returns it in an array.
  getQueueStats: async (name) => {
    const r = await boss.getQueueStats(name, major === '12' ? { force: true } : undefined);
    return Array.isArray(r) ? r[0] : r;
  },
  getJobById: (name, id) => getJobById(name, id),
  getInstances: () => boss.getInstances(),
  // State building for the EXPLAIN test only (never called from an assertion): n jobs
  // completed through pg-boss, then `ready` more left waiting.
  bulk: async (n, ready) => {
    const jobs = Array.from({ length: n }, (_, i) => ({ name: 'bulk', data: { i } }));
    await (Number(major) <= 10 ? boss.insert(jobs) : boss.insert('bulk', jobs));
    for (let left = n; left > 0;) {
      const batch = v9 ? await boss.fetch('bulk', 5000) : await boss.fetch('bulk', { batchSize: 5000 });
      if (!batch?.length) {
        break;
      }
      await complete(
        'bulk',
        batch.map((j) => j.id)
      );
      left -= batch.length;
    }
    for (let i = 0; i < ready; i++) {
      await boss.send('bulk', { ready: i });
    }
    return true;
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
    if (!ops[op] || (op.startsWith('get') && typeof boss[op] !== 'function')) {
      throw new Error(`pg-boss ${version} has no ${op}()`);
    }
    send({ id, result: (await ops[op](...args)) ?? null });
  } catch (e) {
    send({ id, error: e.message });
  }
}
