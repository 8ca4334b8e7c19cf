/**
 * Celery on RabbitMQ, for real: the Celery 5.7 app in rabbitmq/celery/shop.py (kombu with
 * py-amqp) sends tasks with apply_async (a traceparent header, retries), a real worker
 * (--pool=solo) runs them: shop.charge raises Reject(requeue=False), shop.flaky retries
 * once then fails normally (acks_late without acks_on_failure_or_timeout: Celery rejects
 * it without requeue), shop.ok succeeds. RabbitMQ dead-letters the two failures from
 * cel.tasks through cel.dlx into cel.dead. Jobscope, as the read-only monitoring user,
 * must show them with the task name, id, retries and trace id taken from Celery's own
 * protocol-2 headers, equal to the ids Celery's AsyncResult reported; in-process and
 * through the packaged executable.
 */
import { spawn, spawnSync, ChildProcess } from 'child_process';
import * as path from 'path';
import { rabbitSource } from '../../pkg/kinds/rabbitmq/rabbitmq-kind';
type RabbitSource = ReturnType<typeof rabbitSource>;
import type { DatasourceConfig } from '../../pkg/instances/settings';
import type { Logger } from '../../pkg/logging/logger';
import type { JobscopeQuery } from '../../pkg/model/query';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { GrafanaClient } from '../harness/grpc-client';
import { decodeFrame } from '../harness/grafana-frames';
import { AMQP_HOST, API, api, deleteVhost, makeVhost, MONITOR } from './rabbitmq/broker';

const VENV = path.resolve(__dirname, '../../.venv/bin');
const APP_DIR = path.resolve(__dirname, 'rabbitmq/celery');
const TRACES = { charge: '4bf92f3577b34da6a3ce929d0e0e4736', flaky: '0af7651916cd43dd8448eb211c80319c' };
// A dashboard viewer asks (peeks of these classic queues are open to every role).
const window = () => ({
  from: Date.now() - 3600_000,
  to: Date.now(),
  now: Date.now(),
  intervalMs: 60_000,
  requester: { role: 'Viewer', alert: false },
});
const q = (over: Partial<JobscopeQuery>): JobscopeQuery => ({ refId: 'A', ...over });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let vhost: string;
let ids: { charge: string; flaky: string; ok: string };
let worker: ChildProcess | undefined;
let workerLog = '';
let plugin: PluginProcess | undefined;
let grafana: GrafanaClient | undefined;
const sources: RabbitSource[] = [];

function source(json: Record<string, unknown> = {}): RabbitSource {
  const config: DatasourceConfig = {
    uid: 'rabbit-celery',
    name: 'rabbit-celery',
    kind: 'rabbitmq',
    json: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost, allowPeek: true, ...json } as never,
    secure: { password: MONITOR.password },
    version: 1,
  };
  const s = rabbitSource(config, {} as Logger);
  sources.push(s);
  return s;
}

beforeAll(async () => {
  vhost = await makeVhost('celery');
  const env = { ...process.env, JOBSCOPE_CELERY_VHOST: vhost, JOBSCOPE_CELERY_AMQP_HOST: AMQP_HOST };
  const sent = spawnSync(path.join(VENV, 'python'), ['enqueue.py'], {
    cwd: APP_DIR,
    env,
    input: JSON.stringify(TRACES) + '\n',
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (sent.status !== 0) {
    throw new Error(`enqueue.py failed: ${sent.stderr}`);
  }
  ids = JSON.parse(sent.stdout.trim().split('\n').pop()!);
  worker = spawn(
    path.join(VENV, 'celery'),
    [
      '-A',
      'shop',
      'worker',
      '--pool=solo',
      '-Q',
      'cel.tasks',
      '--without-gossip',
      '--without-mingle',
      '--without-heartbeat',
      '--loglevel=INFO',
    ],
    { cwd: APP_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  worker.stdout!.on('data', (d) => (workerLog += d));
  worker.stderr!.on('data', (d) => (workerLog += d));
  // The worker is done when both failures are dead-lettered and the ok task succeeded.
  const v = encodeURIComponent(vhost);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { body } = await api<any[]>('GET', `queues/${v}?columns=name,messages_ready,messages_unacknowledged`);
    const dead = body.find((x) => x.name === 'cel.dead');
    const tasks = body.find((x) => x.name === 'cel.tasks');
    if (
      dead?.messages_ready === 2 &&
      tasks?.messages_ready === 0 &&
      tasks?.messages_unacknowledged === 0 &&
      /shop\.ok\[.*succeeded/.test(workerLog)
    ) {
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`Celery worker did not finish: ${JSON.stringify(body)}\n${workerLog}`);
    }
    await sleep(500);
  }
  worker.kill('SIGTERM');
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGKILL');
  }
  grafana?.close();
  plugin?.kill();
  await Promise.all(sources.map((s) => s.close()));
  if (vhost) {
    await deleteVhost(vhost);
  }
});

it('the worker did what the scenario says (Celery log)', () => {
  expect(workerLog).toContain(`shop.charge[${ids.charge}] received`);
  expect(workerLog).toMatch(/celery\.exceptions\.Reject: \('order 42 cannot be charged', False\)/);
  expect(workerLog).toContain(`shop.flaky[${ids.flaky}] retry: Retry in 0s`);
  expect(workerLog).toContain(
    `shop.flaky[${ids.flaky}] raised unexpected: ValueError('still failing after 1 retries')`
  );
  expect(workerLog).toContain(`shop.ok[${ids.ok}] succeeded`);
});

it('jobs: task name, id, retries and trace id from the Celery headers, ids as AsyncResult reported', async () => {
  const r = await source().read(q({ queryType: 'jobs', state: 'dead' }), window());
  if (r.type !== 'jobs') {
    throw new Error(r.type);
  }
  const rows = Object.fromEntries(r.rows.map((x) => [x.id, x]));
  expect(Object.keys(rows).sort()).toEqual([ids.charge, ids.flaky].sort());
  expect(rows[ids.charge]).toMatchObject({
    queue: 'cel.dead',
    name: 'shop.charge',
    attempts: 3, // sent with retries=2: this was its third attempt
    traceId: TRACES.charge,
    error: 'rejected from cel.tasks',
    payload: { kind: 'json', preview: expect.stringContaining('[[42, 10], {}') },
  });
  expect(rows[ids.flaky]).toMatchObject({
    queue: 'cel.dead',
    name: 'shop.flaky',
    attempts: 2, // one real retry (self.retry), then the failure
    traceId: TRACES.flaky, // the traceparent survived Celery's retry
    error: 'rejected from cel.tasks',
  });
  expect(rows[ids.charge].finishedAt).toBeGreaterThan(Date.now() - 120_000); // x-death time
});

it('failures: both grouped under the dead-letter reason', async () => {
  const r = await source().read(q({ queryType: 'failures' }), window());
  if (r.type !== 'failures') {
    throw new Error(r.type);
  }
  expect(r.groups).toEqual([
    expect.objectContaining({ queue: 'cel.dead', reason: 'rejected from cel.tasks', count: 2 }),
  ]);
  expect([ids.charge, ids.flaky]).toContain(r.groups[0].exampleJobId);
});

it('the same through the packaged executable, as the monitoring user', async () => {
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  const ds = {
    uid: `rmq-celery-${vhost}`,
    jsonData: { kind: 'rabbitmq', managementUrl: API, username: MONITOR.user, vhost, allowPeek: true },
    secureJsonData: { password: MONITOR.password },
  };
  const { A } = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'jobs', state: 'dead' } }]);
  expect(A.error ?? '').toBe('');
  const frame = decodeFrame(A.frames[0]);
  const col = (name: string) => frame.fields.find((f) => f.name === name)!.values;
  const rows = col('id').map((id, i) => [id, col('name')[i], col('attempts')[i], col('trace_id')[i]]);
  expect(rows.sort()).toEqual(
    [
      [ids.charge, 'shop.charge', 3, TRACES.charge],
      [ids.flaky, 'shop.flaky', 2, TRACES.flaky],
    ].sort()
  );
}, 60_000);
