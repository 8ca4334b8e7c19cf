/**
 * Sentinel and Cluster deployments, each made of throw-away redis-server processes on
 * loopback: the plugin finds the master through Sentinel, and on a Cluster reads queues
 * whose keys live on different nodes (BullMQ queues named with hash tags).
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Redis, { Cluster } from 'ioredis';
import { Queue } from 'bullmq';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { waitUntil } from '../support/redis';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-topo-'));
const base = 17000 + Math.floor(Math.random() * 400) * 5;
const servers: ChildProcess[] = [];
let plugin: PluginProcess;
let grafana: GrafanaClient;

function redisServer(args: string[]) {
  const p = spawn('redis-server', [...args, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  servers.push(p);
  return p;
}

async function answers(port: number) {
  const r = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

beforeAll(async () => {
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
});

afterAll(() => {
  grafana?.close();
  plugin?.kill();
  servers.forEach((s) => s.kill('SIGKILL'));
  fs.rmSync(dir, { recursive: true, force: true });
});

it('finds the master through Sentinel and reads it', async () => {
  const master = base;
  const sentinel = base + 1;
  redisServer(['--port', String(master)]);
  await waitUntil('the master', () => answers(master));
  const conf = path.join(dir, 'sentinel.conf');
  fs.writeFileSync(conf, `port ${sentinel}\nbind 127.0.0.1\nsentinel monitor jobscope-main 127.0.0.1 ${master} 1\n`);
  const s = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  servers.push(s);
  await waitUntil('the sentinel', () => answers(sentinel));
  const queue = new Queue('sentinel-jobs', { connection: { port: master, maxRetriesPerRequest: null } });
  await queue.addBulk([1, 2, 3].map((n) => ({ name: 'n', data: { n } })));
  await queue.close();
  const ds = {
    uid: 'sentinel-ds',
    jsonData: {
      kind: 'redis',
      url: 'redis://127.0.0.1/0',
      redisMode: 'sentinel',
      redisNodes: `127.0.0.1:${sentinel}`,
      sentinelMaster: 'jobscope-main',
    },
  };
  expect((await grafana.checkHealth(ds)).message).toMatch(/^Connected to Redis [\d.]+\. Found 1 bullmq queue\.$/);
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { metrics: ['wait'] } }]);
  expect(readNumeric(A.frames.map(decodeFrame))).toEqual([
    { metric: 'wait', labels: { system: 'bullmq', queue: 'sentinel-jobs' }, value: 3 },
  ]);
}, 30_000);

it('reads queues spread over the nodes of a Cluster', async () => {
  const ports = [base + 2, base + 3, base + 4];
  for (const port of ports) {
    redisServer(['--port', String(port), '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]);
  }
  for (const port of ports) {
    await waitUntil(`cluster node ${port}`, () => answers(port));
  }
  execFileSync(
    'redis-cli',
    ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
    { stdio: 'ignore' }
  );
  // Every node must agree before BullMQ writes: a node that does not know the slot map yet
  // redirects a pipeline to a node where its scripts were never loaded (NOSCRIPT).
  for (const port of ports) {
    const probe = new Redis({ port });
    await waitUntil(`cluster node ${port} to agree`, async () => {
      const info = (await probe.call('CLUSTER', 'INFO')) as string;
      return (
        /cluster_state:ok/.test(info) &&
        /cluster_slots_ok:16384/.test(info) &&
        new RegExp(`cluster_known_nodes:${ports.length}\\b`).test(info)
      );
    });
    probe.disconnect();
  }

  const cluster = new Cluster([{ host: '127.0.0.1', port: ports[0] }], {
    redisOptions: { maxRetriesPerRequest: null },
  });
  // Hash-tagged names put each queue's keys in its own slot, on different nodes.
  const names = ['{alpha}', '{beta}', '{gamma}', '{delta}'];
  const counts: Record<string, number> = {};
  for (const [i, name] of names.entries()) {
    const q = new Queue(name, { connection: cluster });
    await q.addBulk(Array.from({ length: i + 1 }, (_, n) => ({ name: 'n', data: { n } })));
    counts[name] = (await q.getJobCounts('waiting')).waiting;
    await q.close();
  }
  const slotsOwners = new Set(
    names.map(
      (n) =>
        cluster.slots[
          Number(
            execFileSync('redis-cli', ['-p', String(ports[0]), 'CLUSTER', 'KEYSLOT', `bull:${n}:wait`])
              .toString()
              .trim()
          )
        ]?.[0]
    )
  );
  cluster.disconnect();
  expect(slotsOwners.size).toBeGreaterThan(1); // the test really spans nodes

  const ds = {
    uid: 'cluster-ds',
    jsonData: { kind: 'redis', url: 'redis://127.0.0.1', redisMode: 'cluster', redisNodes: `127.0.0.1:${ports[0]}` },
  };
  expect((await grafana.checkHealth(ds)).message).toMatch(/Found 4 bullmq queues\.$/);
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { metrics: ['wait'] } }]);
  const values = readNumeric(A.frames.map(decodeFrame));
  expect(Object.fromEntries(values.map((v) => [v.labels.queue, v.value]))).toEqual(counts);
  const { J } = await grafana.queryData(ds, [
    { refId: 'J', json: { queryType: 'jobs', state: 'waiting', queues: ['{delta}'] } },
  ]);
  expect(J.error).toBeFalsy();
  expect(decodeFrame(J.frames[0]).fields.find((f) => f.name === 'id')!.values).toHaveLength(4);
}, 60_000);
