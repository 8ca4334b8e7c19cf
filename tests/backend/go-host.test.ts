/**
 * The same path checked by the independent Go host (tests/gohost), built on Grafana's own
 * libraries: go-plugin's client launches and handshakes, grafana-plugin-sdk-go's generated
 * pluginv2 clients call, its Arrow reader decodes, grafana/dataplane classifies frames as
 * alerting does. States come from the real bullmq package.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as bullmq from 'bullmq';
import { EXECUTABLE } from '../harness/plugin-process';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { BullmqState, makeBullmqState } from '../support/bullmq-states';

const GOHOST_DIR = path.resolve(__dirname, '../gohost');
const GOHOST = path.join(GOHOST_DIR, 'bin', 'gohost');
const prefix = uniquePrefix('gohost');
let state: BullmqState;
let result: any;

function step(op: string, index = 0) {
  return result.steps.filter((s: any) => s.op === op)[index];
}

beforeAll(async () => {
  if (!fs.existsSync(GOHOST)) {
    execFileSync('go', ['build', '-o', 'bin/gohost', '.'], { cwd: GOHOST_DIR, stdio: 'inherit' });
  }
  state = await makeBullmqState(bullmq, prefix);
  const scenario = {
    settings: {
      uid: 'gohost-ds',
      name: 'Jobscope (Go host)',
      jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, streamIntervalMs: 500 },
      secureJsonData: {},
      lastUpdatedMS: 1,
    },
    steps: [
      { op: 'health' },
      {
        op: 'query',
        headers: { FromAlert: 'true' },
        noUser: true,
        queries: [
          { refId: 'ALL', json: {} },
          { refId: 'FAILED', json: { queues: ['orders'], metrics: ['failed'] } },
          { refId: 'TS', queryType: 'timeseries', json: {} },
        ],
      },
      {
        op: 'query',
        queries: [
          { refId: 'LIVE', json: { queues: ['orders'], metrics: ['wait'] } },
          { refId: 'JOBS', json: { queryType: 'jobs', state: 'failed' } },
          { refId: 'FAILURES', json: { queryType: 'failures' } },
          { refId: 'BAD', json: { queryType: 'nope' } },
        ],
      },
      { op: 'resource', method: 'GET', path: 'queues' },
      { op: 'metrics' },
      { op: 'subscribe', path: '$channel:LIVE' },
      { op: 'stream', path: '$channel:LIVE', packets: 2, timeoutMS: 10000 },
      { op: 'shutdown' },
    ],
  };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gohost-')), 'scenario.json');
  fs.writeFileSync(file, JSON.stringify(scenario));
  result = JSON.parse(
    execFileSync(GOHOST, ['-plugin', EXECUTABLE, '-scenario', file, '-max-values', '100'], {
      encoding: 'utf8',
      timeout: 120_000,
    })
  );
}, 300_000);

afterAll(async () => {
  await state?.release();
  await deletePrefix(prefix);
});

it('completes go-plugin’s handshake on protocol 2 and passes its health ping', () => {
  expect(result.handshake).toMatchObject({ protocolVersion: 2, ping: 'SERVING' });
});

it('answers CheckHealth with OK and a JSON object of details', () => {
  expect(step('health')).toMatchObject({ status: 'OK', detailsIsObject: true, details: { systems: { bullmq: 2 } } });
});

it('gives alerting a numeric-wide frame the dataplane reader accepts, with unique labels and the library’s numbers', async () => {
  const { ALL, FAILED, TS } = step('query', 0).responses;
  for (const r of [ALL, FAILED]) {
    expect(r).toMatchObject({
      status: 200,
      statusValid: true,
      dataplane: { kind: 'numeric-wide', readable: true, labelsUnique: true },
    });
  }
  const counts = await state.queues.orders.getJobCounts();
  const numbers: Array<{ labels: Record<string, string>; value: number }> = ALL.dataplane.numbers;
  const get = (metric: string) => numbers.find((n) => n.labels.queue === 'orders' && n.labels.metric === metric)?.value;
  expect([get('wait'), get('active'), get('failed'), get('completed'), get('delayed'), get('prioritized')]).toEqual([
    counts.waiting,
    counts.active,
    counts.failed,
    counts.completed,
    counts.delayed,
    counts.prioritized,
  ]);
  expect(FAILED.dataplane.numbers).toEqual([
    { name: 'failed', labels: { system: 'bullmq', queue: 'orders' }, value: 2 },
  ]);
  expect(TS).toMatchObject({
    status: 200,
    dataplane: { kind: 'timeseries-multi', readable: true, labelsUnique: true },
  });
});

it('decodes table frames and reports a bad query as a per-query downstream 400', () => {
  const { JOBS, FAILURES, BAD, LIVE } = step('query', 1).responses;
  expect(JOBS.status).toBe(200);
  expect(JOBS.decodeError).toBeUndefined();
  const ids = JOBS.frames[0].fields.find((f: any) => f.name === 'id');
  expect(ids.values).toHaveLength(2);
  expect(FAILURES.frames[0].fields.find((f: any) => f.name === 'reason').values).toEqual([
    'card declined for order <n>',
  ]);
  expect(BAD).toMatchObject({ status: 400, errorSource: 'downstream' });
  expect(LIVE.frames[0].meta.channel).toMatch(/^ds\/gohost-ds\/overview\//);
});

it('serves CallResource and Prometheus metrics that Prometheus’ own parser accepts', () => {
  expect(step('resource')).toMatchObject({
    code: 200,
    bodyJSON: [
      { system: 'bullmq', queue: 'emails' },
      { system: 'bullmq', queue: 'orders' },
    ],
  });
  const metrics = step('metrics');
  expect(metrics.prometheusCheck).toMatchObject({ valid: true });
  expect(metrics.prometheusCheck.families).toEqual(
    expect.arrayContaining(['jobscope_queries_total', 'process_resident_memory_bytes'])
  );
  expect(metrics.prometheus).toMatch(/jobscope_queries_total\{type="overview",status="ok"\}/);
});

it('streams on the advertised channel and stays alive after the stream is cancelled', () => {
  expect(step('subscribe').status).toBe('OK');
  const stream = step('stream');
  expect(stream.packets.length).toBeGreaterThanOrEqual(2);
  expect(stream).toMatchObject({ cancelled: true, aliveAfterCancel: true });
});

it('exits gracefully within Grafana’s 2 s after Shutdown', () => {
  expect(step('shutdown')).toMatchObject({ exited: true, graceful: true });
  expect(step('shutdown').exitedWithinMS).toBeLessThan(2000);
});
