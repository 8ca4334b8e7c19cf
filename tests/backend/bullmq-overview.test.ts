/**
 * The whole path for the `redis` kind: real BullMQ states (v5 and v6 layouts) read by the
 * packaged backend through gRPC, compared with BullMQ's own getJobCounts() on the same state.
 */
import * as bullmq6 from 'bullmq';
import * as bullmq5 from 'bullmq5';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { BullmqState, makeBullmqState } from '../support/bullmq-states';

/** Library getJobCounts() key → Jobscope metric name. */
const COUNT_KEYS: Record<string, string> = {
  waiting: 'wait',
  paused: 'paused',
  active: 'active',
  delayed: 'delayed',
  prioritized: 'prioritized',
  'waiting-children': 'waiting_children',
  completed: 'completed',
  failed: 'failed',
};

let plugin: PluginProcess;
let grafana: GrafanaClient;

beforeAll(async () => {
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
});

afterAll(() => {
  grafana?.close();
  plugin?.kill();
});

describe.each([
  ['BullMQ 6', bullmq6 as unknown as typeof bullmq6],
  ['BullMQ 5', bullmq5 as unknown as typeof bullmq6],
])('%s', (_label, lib) => {
  const prefix = uniquePrefix('bullmq');
  const ds: DatasourceSettings = {
    uid: `ds-${prefix}`,
    jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix },
  };
  let state: BullmqState;

  beforeAll(async () => {
    state = await makeBullmqState(lib, prefix);
  }, 60_000);

  afterAll(async () => {
    await state?.release();
    await deletePrefix(prefix);
  });

  async function overview(json: object = { queryType: 'overview' }, headers: Record<string, string> = {}) {
    const responses = await grafana.queryData(ds, [{ refId: 'A', json }], headers);
    expect(responses.A.error).toBeFalsy();
    expect(responses.A.status).toBe(200);
    return readNumeric(responses.A.frames.map(decodeFrame));
  }

  it('matches Queue.getJobCounts() for every queue', async () => {
    const values = await overview();
    for (const [name, queue] of Object.entries(state.queues)) {
      const counts = await queue.getJobCounts();
      for (const [key, metric] of Object.entries(COUNT_KEYS)) {
        if (key in counts) {
          const v = values.find((x) => x.metric === metric && x.labels.queue === name);
          expect({ name, metric, value: v?.value }).toEqual({ name, metric, value: counts[key] });
        }
      }
      const paused = values.find((x) => x.metric === 'queue_paused' && x.labels.queue === name)!;
      expect(paused.value).toBe((await queue.isPaused()) ? 1 : 0);
    }
    // the state itself, so a broken producer cannot make the comparison vacuous
    const orders = Object.fromEntries(
      values.filter((v) => v.labels.queue === 'orders').map((v) => [v.metric, v.value])
    );
    expect(orders).toMatchObject({
      wait: 4,
      active: 1,
      delayed: 2,
      prioritized: 3,
      completed: 3,
      failed: 2,
      queue_paused: 0,
    });
  });

  it('reports the age of the oldest waiting job', async () => {
    const waiting = await state.queues.orders.getWaiting(0, -1);
    const oldest = Math.min(...waiting.map((j) => j.timestamp));
    const before = (Date.now() - oldest) / 1000;
    const [v] = (await overview({ queues: ['orders'], metrics: ['oldest_wait_seconds'] })).filter(
      (x) => x.labels.queue === 'orders'
    );
    const after = (Date.now() - oldest) / 1000;
    expect(v.value).toBeGreaterThanOrEqual(before - 0.001);
    expect(v.value).toBeLessThanOrEqual(after + 0.001);
  });

  it('filters queues by glob and metrics by name, labelling each value by system, queue and metric', async () => {
    const values = await overview({ queues: ['em*'], metrics: ['wait', 'paused'] });
    expect(values.map((v) => v.labels)).toEqual([
      { system: 'bullmq', queue: 'emails', metric: 'wait' },
      { system: 'bullmq', queue: 'emails', metric: 'paused' },
    ]);
    expect(values.map((v) => v.metric)).toEqual(['wait', 'paused']);
  });

  it('answers alert evaluations (FromAlert) with data-plane numeric-wide and no live channel', async () => {
    const responses = await grafana.queryData(
      ds,
      [{ refId: 'alert', json: { queues: ['orders'], metrics: ['failed'] } }],
      { FromAlert: 'true' }
    );
    const frames = responses.alert.frames.map(decodeFrame);
    expect(readNumeric(frames)).toEqual([
      { metric: 'failed', labels: { system: 'bullmq', queue: 'orders' }, value: 2 },
    ]);
    expect(frames[0].meta?.channel).toBeUndefined();
  });

  it('lists queues through CallResource for the query editor', async () => {
    const res = await grafana.callResource(ds, 'GET', 'queues');
    expect(res.code).toBe(200);
    expect(JSON.parse(res.body)).toEqual([
      { system: 'bullmq', queue: 'emails' },
      { system: 'bullmq', queue: 'orders' },
    ]);
  });

  it('says in CheckHealth which server and queues it found', async () => {
    const health = await grafana.checkHealth(ds);
    expect(health.status).toBe(1);
    expect(health.message).toMatch(/^Connected to Redis \d+\.\d+\.\d+\. Found 2 bullmq queues\.$/);
    expect(JSON.parse(health.jsonDetails!.toString())).toMatchObject({ systems: { bullmq: 2 } });
  });
});

describe('errors in Grafana terms', () => {
  const prefix = uniquePrefix('errors');
  const ds: DatasourceSettings = { uid: 'errors-ds', jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix } };

  it('answers a malformed query with its own error while a good query in the same request succeeds', async () => {
    const responses = await grafana.queryData(ds, [
      { refId: 'bad', json: '{"queryType": "overview", "queues": 7}' },
      { refId: 'good', json: { queryType: 'overview' } },
    ]);
    expect(responses.bad).toMatchObject({ status: 400, errorSource: 'downstream' });
    expect(responses.bad.error).toMatch(/"queues" must be a list/);
    expect(responses.bad.frames).toHaveLength(0);
    expect(responses.good.status).toBe(200);
    expect(responses.good.error).toBeFalsy();
    expect(readNumeric(responses.good.frames.map(decodeFrame))).toEqual([]); // no queues under this prefix: no data
  });

  it('answers an unknown queue with a 404 naming it', async () => {
    const responses = await grafana.queryData(ds, [{ refId: 'A', json: { queues: ['no-such-queue'] } }]);
    expect(responses.A).toMatchObject({ status: 404, errorSource: 'downstream' });
    expect(responses.A.error).toMatch(
      /queue "no-such-queue" not found \(looked in BullMQ under prefix "jstest-errors-/
    );
  });

  it('reports Redis being down as an actionable health error and a per-query 502', async () => {
    const down: DatasourceSettings = { uid: 'down-ds', jsonData: { kind: 'redis', url: 'redis://127.0.0.1:1/0' } };
    const health = await grafana.checkHealth(down);
    expect(health.status).toBe(2);
    expect(health.message).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1\/0.*ECONNREFUSED/);
    const responses = await grafana.queryData(down, [{ refId: 'A', json: {} }]);
    expect(responses.A).toMatchObject({ status: 502, errorSource: 'downstream' });
  });

  it('reports a wrong password as a credentials problem without echoing the secret', async () => {
    const wrong: DatasourceSettings = {
      uid: 'wrongpass-ds',
      jsonData: { kind: 'redis', url: REDIS_URL, username: 'jobscope-nobody' },
      secureJsonData: { password: 'hunter2-secret' },
    };
    const health = await grafana.checkHealth(wrong);
    expect(health.status).toBe(2);
    expect(health.message).toMatch(/refused the credentials: check the username and password/);
    expect(health.message).not.toContain('hunter2-secret');
    expect(plugin.stderr.join('\n')).not.toContain('hunter2-secret');
  });

  it('reports an unknown data source kind as a settings error', async () => {
    const responses = await grafana.queryData({ uid: 'mqtt-ds', jsonData: { kind: 'mqtt' } }, [
      { refId: 'A', json: {} },
    ]);
    expect(responses.A).toMatchObject({ status: 400, errorSource: 'downstream' });
    expect(responses.A.error).toMatch(
      /unknown data source kind "mqtt"; expected one of redis, rabbitmq, postgres, nats, kafka/
    );
  });
});
