/**
 * Grafana Live: the channel an overview frame advertises is subscribable, RunStream sends
 * fresh counts while watched, and polling stops when the last subscriber leaves.
 */
import { Queue } from 'bullmq';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame } from '../harness/grafana-frames';
import { bullConnection, deletePrefix, REDIS_URL, uniquePrefix, waitUntil } from '../support/redis';

const prefix = uniquePrefix('live');
const ds: DatasourceSettings = {
  uid: 'live-ds',
  jsonData: { kind: 'redis', url: REDIS_URL, bullPrefix: prefix, streamIntervalMs: 500 },
};
let plugin: PluginProcess;
let grafana: GrafanaClient;
let queue: Queue;

beforeAll(async () => {
  queue = new Queue('uploads', { connection: bullConnection(), prefix });
  await queue.add('resize', { n: 1 });
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
});

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  await queue?.close();
  await deletePrefix(prefix);
});

type FrameJSON = {
  schema: { fields: Array<{ name: string; type: string; labels?: Record<string, string> }> };
  data: { values: unknown[][] };
};

function waitCount(frame: FrameJSON): number {
  const i = frame.schema.fields.findIndex((f) => f.name === 'wait' && f.labels?.queue === 'uploads');
  return frame.data.values[i][0] as number;
}

it('streams updated counts on the advertised channel and stops polling when cancelled', async () => {
  const responses = await grafana.queryData(ds, [{ refId: 'A', json: { queues: ['uploads'], metrics: ['wait'] } }]);
  const channel = decodeFrame(responses.A.frames[0]).meta?.channel as string;
  expect(channel).toMatch(/^ds\/live-ds\/overview\/[A-Za-z0-9_-]+$/);
  expect(channel.length).toBeLessThanOrEqual(160);
  const path = channel.slice('ds/live-ds/'.length);

  expect((await grafana.subscribeStream(ds, path)).status).toBe(0); // OK

  const stream = grafana.runStream(ds, path);
  await stream.waitFor(1);
  const first = stream.packets[0] as FrameJSON;
  expect(first.schema.fields[0]).toMatchObject({ name: 'time', type: 'time' });
  expect(waitCount(first)).toBe(1);

  await queue.add('resize', { n: 2 });
  await waitUntil(
    'a packet with the new job',
    async () => waitCount(stream.packets[stream.packets.length - 1] as FrameJSON) === 2
  );

  const metricsWhileOpen = await grafana.collectMetrics();
  expect(metricsWhileOpen).toMatch(/^jobscope_active_streams 1$/m);

  stream.cancel();
  await stream.ended;
  await waitUntil('the stream to stop', async () =>
    /^jobscope_active_streams 0$/m.test(await grafana.collectMetrics())
  );
  const count = stream.packets.length;
  await new Promise((r) => setTimeout(r, 1200));
  expect(stream.packets.length).toBe(count);
  expect(plugin.stderr.some((l) => JSON.parse(l)['@message'] === 'stream stopped')).toBe(true);
});

it('refuses to subscribe to a malformed channel path', async () => {
  expect((await grafana.subscribeStream(ds, 'overview/!!!')).status).toBe(1);
});
