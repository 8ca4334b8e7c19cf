/**
 * The BullMQ overview at scale, through the packaged plugin over gRPC, set beside:
 *  - the floor: the same raw reads issued directly with ioredis (the pipelined commands the
 *    overview needs, no decoding, no frames, no gRPC);
 *  - today's per-queue dashboards: for each queue, one after another, the library's own
 *    calls giving the same overview (getJobCounts, the oldest waiting job, the failed count,
 *    getWorkers).
 * Then the cost of growing from 10 to 10,000 queues, Redis traffic per refresh, and the
 * plugin's memory over 1,000 refreshes. Everything is measured in one run, side by side.
 *
 *   node scripts/run-ts.mjs bench/redis-overview.ts [--jobs 1000000] [--failed 50000] [--queues 200]
 *     [--refreshes 1000] [--keep]
 *
 * Uses Redis database 8 (JOBSCOPE_BENCH_DB) under the prefixes `bench` and `benchscale`,
 * and deletes only those keys at the end unless --keep.
 */
import * as fs from 'fs';
import Redis from 'ioredis';
import { Queue, Worker } from 'bullmq';
import { startPlugin } from '../tests/harness/plugin-process';
import { GrafanaClient } from '../tests/harness/grpc-client';
import { REDIS_HOST, REDIS_PORT } from '../tests/support/redis';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const DB = Number(process.env.JOBSCOPE_BENCH_DB || 8);
const QUEUES = arg('queues', 200);
const JOBS = arg('jobs', 1_000_000);
const FAILED = arg('failed', 50_000);
const SCALE = [10, 100, 1000, 10_000].filter((n) => n <= arg('scale-max', 10_000));
const REFRESHES = arg('refreshes', 1000);
const PREFIX = 'bench';
const SCALE_PREFIX = 'benchscale';
const connection = { host: REDIS_HOST, port: REDIS_PORT, db: DB, maxRetriesPerRequest: null };
const redis = new Redis(connection);
const pad = (i: number, n = 5) => String(i).padStart(n, '0');

function ms(t0: bigint) {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function timeIt(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    times.push(ms(t0));
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

async function deletePrefix(prefix: string) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 10000);
    cursor = next;
    if (keys.length) {
      await redis.unlink(...keys);
    }
  } while (cursor !== '0');
}

/** 200 queues, 1M jobs in all, plus 50k failed by workers that really throw (with stack traces). */
async function populate() {
  const names = Array.from({ length: QUEUES }, (_, i) => `queue-${pad(i, 3)}`);
  const failedPerQueue = Math.ceil(FAILED / QUEUES);
  const perQueue = Math.ceil(JOBS / QUEUES);
  let t0 = process.hrtime.bigint();
  for (let batch = 0; batch < names.length; batch += 20) {
    await Promise.all(
      names.slice(batch, batch + 20).map(async (name) => {
        const q = new Queue(name, { connection, prefix: PREFIX });
        await q.addBulk(Array.from({ length: failedPerQueue }, (_, i) => ({ name: 'charge', data: { order: i } })));
        let done = 0;
        const w = new Worker(
          name,
          async (job) => {
            throw new Error(`payment provider rejected order ${job.data.order}`);
          },
          { connection, prefix: PREFIX, concurrency: 50 }
        );
        await new Promise<void>((resolve) =>
          w.on('failed', () => {
            if (++done === failedPerQueue) {
              resolve();
            }
          })
        );
        await w.close();
        await q.close();
      })
    );
  }
  console.log(`made ${failedPerQueue * QUEUES} failed jobs with real workers in ${(ms(t0) / 1000).toFixed(1)} s`);
  t0 = process.hrtime.bigint();
  for (const name of names) {
    const q = new Queue(name, { connection, prefix: PREFIX });
    for (let done = 0; done < perQueue; done += 1000) {
      const n = Math.min(1000, perQueue - done);
      await q.addBulk(
        Array.from({ length: n }, (_, i) => {
          const k = done + i;
          const opts = k % 10 === 0 ? { delay: 3_600_000 } : k % 10 === 1 ? { priority: 1 + (k % 5) } : {};
          return { name: 'work', data: { n: k }, opts };
        })
      );
    }
    await q.close();
  }
  console.log(`made ${perQueue * QUEUES} waiting/delayed/prioritized jobs in ${(ms(t0) / 1000).toFixed(1)} s`);
  const scaleT0 = process.hrtime.bigint();
  const max = SCALE[SCALE.length - 1];
  for (let i = 0; i < max; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, max - i) }, async (_, j) => {
        const q = new Queue(`s${pad(i + j)}`, { connection, prefix: SCALE_PREFIX });
        await q.add('x', { i: i + j });
        await q.close();
      })
    );
  }
  console.log(`made ${max} small queues in ${(ms(scaleT0) / 1000).toFixed(1)} s`);
  return names;
}

/** The raw reads the overview needs, straight from ioredis: the floor. */
async function floor(names: string[], prefix: string) {
  const p = redis.pipeline();
  for (const q of names) {
    for (const k of ['wait', 'paused', 'active']) {
      p.llen(`${prefix}:${q}:${k}`);
    }
    for (const k of ['delayed', 'prioritized', 'waiting-children', 'completed', 'failed']) {
      p.zcard(`${prefix}:${q}:${k}`);
    }
    p.hmget(`${prefix}:${q}:meta`, 'paused');
    p.lindex(`${prefix}:${q}:wait`, -1);
    p.lindex(`${prefix}:${q}:paused`, -1);
    p.zcount(`${prefix}:${q}:failed`, Date.now() - 3600_000, Date.now());
    p.lrange(`${prefix}:${q}:active`, 0, 999);
  }
  const replies = (await p.exec())!;
  const second = redis.pipeline();
  names.forEach((q, i) => {
    const id = replies[i * 13 + 9][1] as string | null;
    if (id) {
      second.hget(`${prefix}:${q}:${id}`, 'timestamp');
    }
  });
  await second.exec();
  await redis.call('CLIENT', 'LIST');
}

/** What a dashboard built on the library does today: per queue, one after another. */
async function perQueueLibrary(queues: Queue[]) {
  for (const q of queues) {
    await q.getJobCounts();
    await q.getWaiting(-1, -1);
    await q.getFailedCount();
    await q.getWorkers();
  }
}

function metricValue(text: string, name: string): number {
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

function rssMiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

async function main() {
  console.log(`Redis ${REDIS_HOST}:${REDIS_PORT} db ${DB}; ${QUEUES} queues, ${JOBS} jobs, ${FAILED} failed`);
  await deletePrefix(PREFIX);
  await deletePrefix(SCALE_PREFIX);
  const names = await populate();
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  const url = `redis://${REDIS_HOST}:${REDIS_PORT}/${DB}`;
  const ds = { uid: 'bench', jsonData: { kind: 'redis', url, bullPrefix: PREFIX } };
  const overview = async (d = ds) => {
    const { A } = await grafana.queryData(d, [{ refId: 'A', json: { queryType: 'overview' } }]);
    if (A.error) {
      throw new Error(A.error);
    }
    return A;
  };
  try {
    // warm up: discovery (cached 30 s by the plugin), connections, JIT
    const first = await overview();
    console.log(`overview answers ${first.frames.length} frame(s) for ${QUEUES} queues`);
    for (let i = 0; i < 5; i++) {
      await overview();
    }
    const libQueues = names.map((n) => new Queue(n, { connection, prefix: PREFIX }));
    await perQueueLibrary(libQueues.slice(0, 5));

    // alternate the three, so machine noise hits them alike
    const plug: number[] = [];
    const raw: number[] = [];
    const lib: number[] = [];
    for (let round = 0; round < 7; round++) {
      plug.push(await timeIt(1, () => overview()));
      raw.push(await timeIt(1, () => floor(names, PREFIX)));
      lib.push(await timeIt(1, () => perQueueLibrary(libQueues)));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [p, f, l] = [med(plug), med(raw), med(lib)];
    console.log(`\n== ${QUEUES} queues, ${JOBS + FAILED} jobs: full overview (median of 7)`);
    console.log(`plugin via gRPC            ${p.toFixed(1)} ms`);
    console.log(
      `floor (raw pipelined read) ${f.toFixed(1)} ms   plugin/floor = ${(p / f).toFixed(2)}x   (target ≤ 1.5x)`
    );
    console.log(
      `per-queue library calls    ${l.toFixed(1)} ms   library/plugin = ${(l / p).toFixed(1)}x   (target ≥ 10x)`
    );
    await Promise.all(libQueues.map((q) => q.close()));

    console.log(`\n== growth (queues with one job each; discovery cached, as between refreshes)`);
    let prev = 0;
    for (const n of SCALE) {
      const pattern =
        n === SCALE[SCALE.length - 1] && n === 10_000
          ? '*'
          : `s${'0'.repeat(5 - String(n - 1).length)}${'?'.repeat(String(n - 1).length)}`;
      const scaled = {
        uid: `bench-${n}`,
        jsonData: { kind: 'redis', url, bullPrefix: SCALE_PREFIX, discoveryPattern: pattern },
      };
      const answered = await overview(scaled);
      const t = await timeIt(5, () => overview(scaled));
      console.log(
        `${String(n).padStart(6)} queues  ${t.toFixed(1).padStart(8)} ms  (${answered.frames.length} frame(s))${prev ? `  ×${(t / prev).toFixed(1)} for ×10 queues` : ''}`
      );
      prev = t;
    }
    if (SCALE.includes(10_000)) {
      // What a fleet dashboard asks for: a few metrics, not all fifteen.
      const fleet = { uid: 'bench-fleet', jsonData: { kind: 'redis', url, bullPrefix: SCALE_PREFIX } };
      const few = async () => {
        const { A } = await grafana.queryData(fleet, [
          { refId: 'A', json: { metrics: ['wait', 'failed', 'oldest_wait_seconds'] } },
        ]);
        if (A.error) {
          throw new Error(A.error);
        }
      };
      await few();
      console.log(` 10000 queues, 3 metrics  ${(await timeIt(5, few)).toFixed(1).padStart(8)} ms`);
    }

    console.log(`\n== Redis traffic per refresh of ${QUEUES} queues`);
    const before = await grafana.collectMetrics();
    const stats0 = await redis.info('commandstats');
    const refreshes = 20;
    for (let i = 0; i < refreshes; i++) {
      await overview();
    }
    const after = await grafana.collectMetrics();
    const stats1 = await redis.info('commandstats');
    const delta = (name: string) => (metricValue(after, name) - metricValue(before, name)) / refreshes;
    const calls = (s: string) => [...s.matchAll(/cmdstat_\w+:calls=(\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    console.log(
      `round trips ${delta('jobscope_redis_round_trips_total').toFixed(1)}, commands ${delta('jobscope_redis_commands_total').toFixed(0)} (plugin's counters)`
    );
    console.log(
      `server-side commands per refresh from INFO commandstats: ${((calls(stats1) - calls(stats0) - 1) / refreshes).toFixed(0)} (includes anything else on this Redis)`
    );

    console.log(`\n== plugin memory over ${REFRESHES} refreshes`);
    // What the plugin keeps is its heap right after a full collection (jobscope_heap_live_bytes);
    // heapUsed and RSS in between also count garbage not collected yet. A leak shows as a
    // live heap that keeps rising from one hundred refreshes to the next.
    const live: number[] = [];
    const collections: number[] = [];
    const rss: string[] = [];
    for (let i = 1; i <= REFRESHES; i++) {
      await overview();
      if (i % (REFRESHES / 10) === 0) {
        const text = await grafana.collectMetrics();
        live.push(metricValue(text, 'jobscope_heap_live_bytes') / 2 ** 20);
        collections.push(metricValue(text, 'jobscope_full_gc_total'));
      }
      if (i === REFRESHES / 10 || i === REFRESHES / 2 || i === REFRESHES) {
        rss.push(`${i}: ${rssMiB(plugin.child.pid!).toFixed(1)} MiB`);
      }
    }
    console.log(
      `live heap after the last full GC, every ${REFRESHES / 10} refreshes (MiB): ${live.map((f) => f.toFixed(1)).join(' ')}`
    );
    console.log(`full collections so far, every ${REFRESHES / 10} refreshes:              ${collections.join(' ')}`);
    const early = Math.min(...live.slice(0, 3));
    const late = Math.max(...live.slice(-3));
    console.log(
      `live heap, lowest of the first 30 % vs highest of the last 30 % of refreshes: ${early.toFixed(1)} → ${late.toFixed(1)} MiB (${(late - early >= 0 ? '+' : '') + (late - early).toFixed(1)} MiB)`
    );
    console.log(`RSS after ${rss.join(', ')}`);
  } finally {
    grafana.close();
    plugin.kill();
    if (!process.argv.includes('--keep')) {
      await deletePrefix(PREFIX);
      await deletePrefix(SCALE_PREFIX);
    }
    redis.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
