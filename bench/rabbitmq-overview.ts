/**
 * The RabbitMQ overview of 1,000 queues, through the packaged plugin over gRPC, set beside:
 *  - the floor: the management API's own response time for exactly the requests the plugin
 *    made (recorded by a counting proxy in front of the API, then replayed one after the
 *    other, directly; the plugin is timed against the API directly too);
 *  - the per-queue approach: one GET /api/queues/<vhost>/<queue> per queue, one after another.
 * It also prints how many HTTP calls one refresh costs. Everything is measured in one run,
 * side by side, alternating the three so that machine noise hits them alike.
 *
 *   node scripts/run-ts.mjs bench/rabbitmq-overview.ts [--queues 1000] [--rounds 7]
 *
 * Works in a vhost of its own (jsbench-<random>), deleted at the end.
 */
import * as http from 'http';
import { randomBytes } from 'crypto';
import * as amqp from 'amqplib';
import { startPlugin } from '../tests/harness/plugin-process';
import { GrafanaClient } from '../tests/harness/grpc-client';
import { ADMIN, API, amqpUrl, makeVhost, deleteVhost } from '../tests/systems/rabbitmq/broker';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const QUEUES = arg('queues', 1000);
const ROUNDS = arg('rounds', 7);
const auth = 'Basic ' + Buffer.from(`${ADMIN.user}:${ADMIN.password}`).toString('base64');

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** GET on the management API, body read to the end. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: auth, accept: 'application/json' } }, (res) => {
        let size = 0;
        res.on('data', (c: Buffer) => (size += c.length));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(size) : reject(new Error(`${res.statusCode} for ${url}`))
        );
      })
      .on('error', reject);
  });
}

/** A pass-through proxy to the management API that records the paths it forwards. */
function countingProxy(target: URL): Promise<{ url: string; paths: string[]; close(): void }> {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url!);
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, paths, close: () => server.close() });
    })
  );
}

async function populate(vhost: string): Promise<string[]> {
  const conn = await amqp.connect(amqpUrl(vhost));
  const ch = await conn.createConfirmChannel();
  const names = Array.from({ length: QUEUES }, (_, i) => `jobs.${String(i).padStart(4, '0')}`);
  const now = Math.floor(Date.now() / 1000);
  for (const [i, name] of names.entries()) {
    await ch.assertQueue(name, { durable: true });
    for (let m = 0; m < i % 10; m++) {
      ch.sendToQueue(name, Buffer.from(JSON.stringify({ i, m })), { timestamp: now - 60 * m });
    }
  }
  await ch.waitForConfirms();
  await conn.close();
  return names;
}

async function main() {
  const vhost = await makeVhost(`bench-${randomBytes(2).toString('hex')}`);
  const v = encodeURIComponent(vhost);
  const proxy = await countingProxy(new URL(API));
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    const t0 = process.hrtime.bigint();
    const names = await populate(vhost);
    console.log(`RabbitMQ ${API}, vhost ${vhost}: ${QUEUES} queues made in ${(ms(t0) / 1000).toFixed(1)} s`);
    // The management API's statistics lag behind declarations: wait until it lists them all.
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${API}/api/queues/${v}?page=1&page_size=1&columns=name`, {
        headers: { authorization: auth },
      });
      if (res.ok && (await res.json()).total_count === QUEUES) {
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }

    const ds = {
      uid: 'bench-rabbitmq',
      jsonData: { kind: 'rabbitmq', managementUrl: proxy.url, username: ADMIN.user, vhost },
      secureJsonData: { password: ADMIN.password },
    };
    // Timed without the proxy's extra hop, like the replay below.
    const direct = { ...ds, uid: 'bench-rabbitmq-direct', jsonData: { ...ds.jsonData, managementUrl: API } };
    const overview = async (d = direct) => {
      const { A } = await grafana.queryData(d, [{ refId: 'A', json: { queryType: 'overview' } }]);
      if (A.error) {
        throw new Error(A.error);
      }
      return A;
    };
    // Warm up, then record what one refresh asks of the management API.
    const first = await overview(ds);
    await overview(ds);
    await overview();
    proxy.paths.length = 0;
    await overview(ds);
    const perRefresh = [...proxy.paths];
    console.log(`overview answers ${first.frames.length} frame(s); one refresh = ${perRefresh.length} HTTP call(s):`);
    perRefresh.forEach((p) => console.log(`  GET ${decodeURIComponent(p)}`));

    const raw = async () => {
      for (const p of perRefresh) {
        await get(`${API}${p}`);
      }
    };
    const perQueue = async () => {
      for (const name of names) {
        await get(`${API}/api/queues/${v}/${encodeURIComponent(name)}`);
      }
    };
    const plug: number[] = [];
    const floor: number[] = [];
    const each: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t = process.hrtime.bigint();
      await overview();
      plug.push(ms(t));
      t = process.hrtime.bigint();
      await raw();
      floor.push(ms(t));
      t = process.hrtime.bigint();
      await perQueue();
      each.push(ms(t));
    }
    const [p, f, e] = [median(plug), median(floor), median(each)];
    console.log(`\n== ${QUEUES} queues: full overview (median of ${ROUNDS})`);
    console.log(`plugin via gRPC                          ${p.toFixed(1)} ms`);
    console.log(
      `management API alone, same ${perRefresh.length} request(s)  ${f.toFixed(1)} ms   plugin/API = ${(p / f).toFixed(2)}x`
    );
    console.log(
      `per-queue GET /api/queues/<vhost>/<q>    ${e.toFixed(1)} ms   (${QUEUES} calls; per-queue/plugin = ${(e / p).toFixed(1)}x)`
    );
  } finally {
    grafana.close();
    plugin.kill();
    proxy.close();
    await deleteVhost(vhost);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
