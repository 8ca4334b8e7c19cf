/**
 * Retry-with-delay loops through the packaged executable: the overview counts `dead` only in
 * terminal dead-letter queues and `retries` in the loop's delay queue, compared with the
 * management API's own queue arguments and message counts; the failures query groups only
 * what is in the terminal queues; the provisioned "DLQ not empty" rule, evaluated as Grafana
 * would (reduce last, threshold > 0), fires on those queues only. Workers keep the prefetch
 * of every consumer of one connection (compared with /api/consumers).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, readNumeric } from '../harness/grafana-frames';
import { ADMIN, API, api, deleteVhost } from './rabbitmq/broker';
import { makeRetryLoopState, RetryLoopState } from './rabbitmq/retry-loop';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let state: RetryLoopState;
let ds: DatasourceSettings;

beforeAll(async () => {
  [plugin, state] = await Promise.all([startPlugin(), makeRetryLoopState('loop')]);
  grafana = new GrafanaClient(plugin.target);
  ds = {
    uid: `rmq-loop-${state.vhost}`,
    jsonData: { kind: 'rabbitmq', managementUrl: API, username: ADMIN.user, vhost: state.vhost, allowPeek: true },
    secureJsonData: { password: ADMIN.password },
  };
}, 90_000);

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await state?.release();
  if (state) {
    await deleteVhost(state.vhost);
  }
});

const own = async (name: string) =>
  (await api('GET', `queues/${encodeURIComponent(state.vhost)}/${encodeURIComponent(name)}`)).body;

it('counts dead in terminal dead-letter queues, retries in the delay queue, neither in the source', async () => {
  const responses = await grafana.queryData(ds, [{ refId: 'A', json: { queryType: 'overview' } }], {
    FromAlert: 'true',
  });
  expect(responses.A.status).toBe(200);
  const frames = responses.A.frames.map(decodeFrame);
  const values = readNumeric(frames);
  const get = (queue: string, metric: string) =>
    values.find((v) => v.labels.queue === queue && v.metric === metric)?.value;
  // The broker's own view of the loop: work.retry has a TTL and dead-letters back to work.
  const retry = await own('work.retry');
  expect(retry.arguments).toMatchObject({ 'x-message-ttl': 600_000, 'x-dead-letter-routing-key': 'work' });
  expect((await own('work')).arguments).toMatchObject({ 'x-dead-letter-routing-key': 'work.retry' });
  for (const name of ['work', 'work.retry', 'work.parking', 'jobs', 'jobs.dlq', 'jobs.parking']) {
    const q = await own(name);
    expect([name, get(name, 'wait'), get(name, 'active')]).toEqual([name, q.messages_ready, q.messages_unacknowledged]);
  }
  const deadAndRetries = (name: string) => [name, get(name, 'dead'), get(name, 'retries')];
  expect(deadAndRetries('work')).toEqual(['work', undefined, undefined]);
  expect(deadAndRetries('work.retry')).toEqual(['work.retry', undefined, retry.messages]);
  expect(deadAndRetries('work.parking')).toEqual(['work.parking', (await own('work.parking')).messages, undefined]);
  expect(deadAndRetries('jobs')).toEqual(['jobs', undefined, undefined]);
  expect(deadAndRetries('jobs.dlq')).toEqual(['jobs.dlq', (await own('jobs.dlq')).messages, undefined]);
  expect(deadAndRetries('jobs.parking')).toEqual(['jobs.parking', 0, undefined]);
  // the state itself, so a broken producer cannot make the comparison vacuous
  expect([get('work', 'wait'), get('work.retry', 'retries'), get('work.parking', 'dead')]).toEqual([3, 2, 3]);
  const notices = frames.flatMap((f) => f.meta?.notices ?? []).map((n: any) => n.text);
  expect(notices.join('\n')).toMatch(/retry loops .*work ⇄ work\.retry \(delay: work\.retry\)/);
  expect(notices.join('\n')).toMatch(/work\.parking \(by its name: nothing dead-letters into it\)/);
});

it('groups failures from the terminal queues only, with the exception the worker recorded', async () => {
  const responses = await grafana.queryData(ds, [
    { refId: 'F', json: { queryType: 'failures' } },
    { refId: 'R', json: { queryType: 'jobs', state: 'retry' } },
  ]);
  expect(responses.F.status).toBe(200);
  const f = decodeFrame(responses.F.frames[0]);
  const col = (name: string) => f.fields.find((x) => x.name === name)!.values;
  const groups = col('queue').map((q, i) => ({ queue: q, count: col('count')[i] }));
  expect(groups.map((g) => g.queue).sort()).toEqual(['jobs.dlq', 'work.parking']);
  expect(Number(groups.find((g) => g.queue === 'work.parking')!.count)).toBe(3);
  expect(col('count').reduce((a: number, b: any) => a + Number(b), 0)).toBe(4);
  expect(JSON.stringify(col('reason'))).not.toMatch(/no x-death header/);
  const parking = col('queue').indexOf('work.parking');
  expect(col('reason')[parking]).toMatch(/not found/);
  expect(col('example_message')[parking]).toMatch(/^order fail-\d not found/);
  const r = decodeFrame(responses.R.frames[0]);
  const ids = r.fields.find((x) => x.name === 'id')!.values.sort();
  expect(ids).toEqual(['retry-0', 'retry-1']);
  expect(new Set(r.fields.find((x) => x.name === 'queue')!.values)).toEqual(new Set(['work.retry']));
});

it('fires the provisioned "DLQ not empty" rule on the terminal queues only', async () => {
  const rules = parse(
    fs.readFileSync(path.resolve(__dirname, '../../provisioning/alerting/jobscope-rules.yaml'), 'utf8')
  );
  const rule = rules.groups.flatMap((g: any) => g.rules).find((r: any) => r.uid === 'jobscope-dlq-not-empty');
  const [a, b, c] = rule.data;
  expect([b.model.type, b.model.reducer, c.model.type, c.model.conditions[0].evaluator]).toEqual([
    'reduce',
    'last',
    'threshold',
    { type: 'gt', params: [0] },
  ]);
  const responses = await grafana.queryData(ds, [{ refId: a.refId, json: a.model }], { FromAlert: 'true' });
  expect(responses[a.refId].status).toBe(200);
  // One value per series (an instant frame): reduce "last" is that value.
  const series = readNumeric(responses[a.refId].frames.map(decodeFrame));
  const firing = series.filter((s) => s.value > 0).map((s) => `${s.labels.queue} ${s.labels.metric ?? ''}`.trim());
  expect(firing.sort()).toEqual(['jobs.dlq dead', 'work.parking dead']);
  expect(series.filter((s) => s.labels.queue.startsWith('work') && s.labels.queue !== 'work.parking')).toEqual([]);
});

it('keeps the prefetch of every consumer on one connection, as /api/consumers lists it', async () => {
  const responses = await grafana.queryData(ds, [{ refId: 'W', json: { queryType: 'workers' } }]);
  const w = decodeFrame(responses.W.frames[0]);
  const col = (name: string) => w.fields.find((x) => x.name === name)?.values ?? [];
  const at = col('name').indexOf('jobscope-test-pool');
  expect(at).toBeGreaterThanOrEqual(0);
  const consumers = (await api<any[]>('GET', `consumers/${encodeURIComponent(state.vhost)}`)).body.filter((c) =>
    c.queue.name.startsWith('pool')
  );
  expect(new Set(consumers.map((c) => c.channel_details.connection_name)).size).toBe(1); // one connection
  const byQueue = Object.fromEntries(consumers.map((c) => [c.queue.name, c.prefetch_count]));
  expect(byQueue).toEqual({ pool: 2, 'pool.low': 1 });
  expect(col('concurrency')[at]).toBe(byQueue.pool + byQueue['pool.low']);
  expect(col('prefetch')[at]).toBe(`pool:${byQueue.pool}, pool.low:${byQueue['pool.low']}`);
  expect(col('consumers')[at]).toBe(2);
});
