/**
 * The PostgreSQL overview over 1,000,000 pg-boss job rows, through the packaged plugin over
 * gRPC, set beside pg-boss's own counting: getQueueSize(name) per queue, one after another,
 * the call a dashboard built on the library makes. Then the plans of the plugin's overview
 * statement (EXPLAIN ANALYZE) to show which indexes it reads. Measured side by side in one
 * run, alternating the two.
 *
 *   node scripts/run-ts.mjs bench/postgres-overview.ts [--jobs 1000000] [--queues 20] [--rounds 7]
 *
 * Uses a throw-away database (jobscope_test_<random>), dropped at the end. The jobs are
 * inserted by pg-boss 10 (insert), a third are then fetched and completed by pg-boss, 2 %
 * fetched and failed by pg-boss, some fetched and left active.
 */
import PgBossLib from 'pg-boss';
import { startPlugin } from '../tests/harness/plugin-process';
import { GrafanaClient } from '../tests/harness/grpc-client';
import { createTestDb } from '../tests/systems/postgres/db';
import { PgBoss } from '../pkg/kinds/postgres/systems/pg-boss/pg-boss';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const JOBS = arg('jobs', 1_000_000);
const QUEUES = arg('queues', 20);
const ROUNDS = arg('rounds', 7);
const SCHEMA = 'pgboss';

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function populate(boss: PgBossLib, names: string[]) {
  const perQueue = Math.ceil(JOBS / names.length);
  let t0 = process.hrtime.bigint();
  for (const name of names) {
    await boss.createQueue(name);
    for (let done = 0; done < perQueue; done += 10_000) {
      const n = Math.min(10_000, perQueue - done);
      await boss.insert(
        Array.from({ length: n }, (_, i) => ({
          name,
          data: { order: done + i },
          // one in ten runs an hour from now (delayed)
          ...((done + i) % 10 === 0 ? { startAfter: new Date(Date.now() + 3600_000) } : {}),
        }))
      );
    }
  }
  console.log(`pg-boss inserted ${perQueue * names.length} jobs in ${(ms(t0) / 1000).toFixed(1)} s`);
  t0 = process.hrtime.bigint();
  let completed = 0;
  let failed = 0;
  for (const name of names) {
    for (let done = 0; done < perQueue / 3; done += 5000) {
      const batch = (await boss.fetch(name, { batchSize: Math.min(5000, Math.ceil(perQueue / 3 - done)) })) ?? [];
      await boss.complete(
        name,
        batch.map((j) => j.id)
      );
      completed += batch.length;
    }
    const failing = (await boss.fetch(name, { batchSize: Math.ceil(perQueue / 50) })) ?? [];
    await boss.fail(
      name,
      failing.map((j) => j.id)
    );
    failed += failing.length;
    await boss.fetch(name, { batchSize: 10 }); // left active
  }
  console.log(`pg-boss completed ${completed} and failed ${failed} of them in ${(ms(t0) / 1000).toFixed(1)} s`);
}

async function main() {
  const db = await createTestDb();
  const names = Array.from({ length: QUEUES }, (_, i) => `queue-${String(i).padStart(2, '0')}`);
  const boss = new PgBossLib({
    connectionString: db.url,
    schema: SCHEMA,
    supervise: false,
    schedule: false,
    migrate: true,
  });
  boss.on('error', (err) => console.error('pg-boss:', err.message));
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    await boss.start();
    await populate(boss, names);
    await db.admin.query('ANALYZE');
    const { rows } = await db.admin.query(`SELECT count(*)::int AS n FROM ${SCHEMA}.job`);
    console.log(`PostgreSQL database ${db.name}: ${rows[0].n} rows in ${SCHEMA}.job, ${QUEUES} queues`);

    const ds = { uid: 'bench-postgres', jsonData: { kind: 'postgres', url: db.url, schemas: SCHEMA } };
    const overview = async () => {
      const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview' } }]);
      if (A.error) {
        throw new Error(A.error);
      }
      return A;
    };
    // pg-boss's own counting: waiting (its default) and waiting + active (before completed).
    const library = async () => {
      for (const name of names) {
        await boss.getQueueSize(name);
      }
    };
    const libraryActive = async () => {
      for (const name of names) {
        await boss.getQueueSize(name, { before: 'completed' });
      }
    };
    await overview();
    await library();
    await libraryActive();
    const plug: number[] = [];
    const lib: number[] = [];
    const libActive: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = process.hrtime.bigint();
      await overview();
      plug.push(ms(t));
      t = process.hrtime.bigint();
      await library();
      lib.push(ms(t));
      t = process.hrtime.bigint();
      await libraryActive();
      libActive.push(ms(t));
    }
    const [p, l, la] = [median(plug), median(lib), median(libActive)];
    console.log(`\n== ${JOBS} jobs in ${QUEUES} queues (median of ${ROUNDS})`);
    console.log(`plugin overview via gRPC (15 metrics, all queues, one statement)  ${p.toFixed(1)} ms`);
    console.log(
      `pg-boss getQueueSize(name) per queue (waiting only)               ${l.toFixed(1)} ms   library/plugin = ${(l / p).toFixed(2)}x`
    );
    console.log(
      `pg-boss getQueueSize(name, {before: 'completed'}) (+ active)       ${la.toFixed(1)} ms   library/plugin = ${(la / p).toFixed(2)}x`
    );

    // The plan of the very statement the plugin runs, on the same data.
    const { rows: version } = await db.admin.query(`SELECT version FROM ${SCHEMA}.version`);
    const statement = new PgBoss(SCHEMA, Number(version[0].version)).overviewSql();
    const now = Date.now();
    const plan = await db.admin.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${statement}`, [
      names,
      new Date(now - 3600_000),
      new Date(now),
    ]);
    const lines = plan.rows.map((r) => r['QUERY PLAN'] as string);
    // One line per kind of scan and index (pg-boss 10 names each queue's partition j<hash>).
    const scans = new Map<string, { nodes: number; rows: number }>();
    for (const line of lines) {
      const m =
        /(Seq Scan|Index Only Scan|Index Scan|Bitmap Index Scan)(?: using (\S+))? on (\S+).*rows=(\d+) loops=(\d+)/.exec(
          line
        );
      if (m) {
        const key = `${m[1]}${m[2] ? ` using ${m[2].replace(/^j[0-9a-f]{56}/, '<partition>')}` : ''} on ${m[3].replace(/^j[0-9a-f]{56}/, '<partition>')}`;
        const s = scans.get(key) ?? { nodes: 0, rows: 0 };
        s.nodes++;
        s.rows += Number(m[4]) * Number(m[5]);
        scans.set(key, s);
      }
    }
    console.log(`\n== EXPLAIN ANALYZE of the plugin's overview statement: scans (${lines.length} plan lines)`);
    for (const [key, s] of scans) {
      console.log(`${String(s.nodes).padStart(4)} × ${key}  (${s.rows} rows)`);
    }
    console.log(lines.filter((l) => /^(Planning|Execution) Time/.test(l)).join('\n'));
    console.log(
      'pg-boss 10 indexes only its queued rows (<partition>_i5); active and finished rows have no index, so the overview reads each ' +
        "queue's partition once for every count (the archive, indexed by archived_on, is not read). pg-boss 12 indexes all of them."
    );
  } finally {
    grafana.close();
    plugin.kill();
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await db.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
