/**
 * Celery with the Redis broker, both for real (PyPI's current Celery and Debian's 5.2.6),
 * in Redis db 10: states made by Celery itself (real exceptions, real retries, a worker
 * SIGKILLed mid-task leaving unacknowledged messages, queues no worker reads, priorities,
 * ETA, a pickled message), read by the adapter in-process and by the packaged executable
 * over gRPC, and compared with Celery/kombu's own numbers (library_view.py).
 * One file on purpose: Celery does not namespace its keys, so these tests own the db.
 */
import type Redis from 'ioredis';
import { CelerySystem } from '../../pkg/kinds/redis/systems/celery/celery';
import { UNKNOWN_QUEUE } from '../../pkg/kinds/redis/systems/celery/results';
import { readContext } from '../support/read-context';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient } from '../harness/grpc-client';
import { decodeFrame, DecodedFrame, readNumeric, readTimeseriesMulti } from '../harness/grafana-frames';
import { everyQueryType, runAsReadOnlyUser } from '../support/read-only';
import {
  CELERY_URL,
  CeleryState,
  celeryRedis,
  FLAVOURS,
  flushCeleryDb,
  libraryView,
  makeCeleryState,
} from './celery/celery-state';

let plugin: PluginProcess;
let grafana: GrafanaClient;
let redis: Redis;

beforeAll(async () => {
  plugin = await startPlugin();
  grafana = new GrafanaClient(plugin.target);
  redis = celeryRedis();
});

afterAll(async () => {
  grafana?.close();
  plugin?.kill();
  redis?.disconnect();
  await flushCeleryDb();
});

/** A table frame as rows of {field name: value}. */
function tableRows(frame: DecodedFrame): Array<Record<string, unknown>> {
  const n = frame.fields[0]?.values.length ?? 0;
  return Array.from({ length: n }, (_, i) => Object.fromEntries(frame.fields.map((f) => [f.name, f.values[i]])));
}

describe.each(FLAVOURS.map((f) => [f.label, f] as const))('%s', (label, flavour) => {
  let state: CeleryState;
  const ds: DatasourceSettings = {
    uid: `ds-celery-${label.replace(/\W+/g, '-')}`,
    jsonData: { kind: 'redis', url: CELERY_URL },
  };
  const celery = new CelerySystem();
  const failedQueue = flavour.extended ? 'celery' : UNKNOWN_QUEUE;

  beforeAll(async () => {
    state = await makeCeleryState(flavour);
    // the scenario's worker held both messages when it was killed
    expect(state.unacked_before_kill.sort()).toEqual([state.retry_later, state.slow].sort());
  }, 120_000);

  async function query(json: object, settings: DatasourceSettings = ds) {
    const responses = await grafana.queryData(settings, [{ refId: 'A', json }]);
    expect(responses.A.error).toBeFalsy();
    expect(responses.A.status).toBe(200);
    return responses.A.frames.map(decodeFrame);
  }

  it('discovers the queues from kombu bindings, not the pidbox or event plumbing', async () => {
    const ctx = readContext(redis);
    expect(await celery.discover(ctx)).toEqual({ queues: ['celery', 'emails'], complete: true });
    const res = await grafana.callResource(ds, 'GET', 'queues');
    expect(JSON.parse(res.body)).toEqual([
      { system: 'celery', queue: 'celery' },
      { system: 'celery', queue: 'emails' },
    ]);
  });

  it("matches kombu's own numbers for every queue (in-process and through the packaged executable)", async () => {
    const ctx = readContext(redis);
    const queues = (await celery.discover(ctx)).queues;
    const stats = await celery.overview(ctx, queues);
    const frames = await query({ queryType: 'overview', system: 'celery' });
    const wire = readNumeric(frames);
    const lib = await libraryView(flavour, queues, []);
    for (const s of stats) {
      const t = lib.queues[s.queue];
      // Queued messages whose ETA is ahead are delayed, not waiting; retried ones are retries.
      const theirs = {
        base: t.base - t.queued_delayed_base,
        size: t.size - t.queued_delayed,
        unacked: t.unacked + t.queued_delayed,
        delayed: t.delayed + t.queued_delayed,
        retries: t.retries + t.queued_retries,
        stalled: t.stalled,
      };
      const mine = {
        base: s.values.wait,
        size: s.values.wait! + s.values.prioritized!,
        unacked: s.values.active! + s.values.delayed!,
        delayed: s.values.delayed,
        retries: s.values.retries,
        stalled: s.values.stalled,
      };
      expect({ queue: s.queue, ...mine }).toEqual({ queue: s.queue, ...theirs });
      for (const [metric, v] of Object.entries(s.values)) {
        const w = wire.find((x) => x.labels.queue === s.queue && x.metric === metric);
        expect({ metric, wire: w?.value, labels: w?.labels }).toEqual({
          metric,
          wire: v,
          labels: { system: 'celery', queue: s.queue, metric },
        });
      }
      // Celery records no enqueue time: the value is left out, not invented
      expect(s.values.oldest_wait_seconds).toBeUndefined();
      expect(wire.some((x) => x.metric === 'oldest_wait_seconds')).toBe(false);
    }
    expect(lib.unacked_total).toBe(2);
    // the state itself, so a broken producer cannot make the comparison vacuous
    const by = Object.fromEntries(stats.map((s) => [s.queue, s.values]));
    expect(by.celery).toEqual({ wait: 4, prioritized: 2, active: 1, delayed: 1, retries: 1, stalled: 0 });
    // emails: the countdown-600 message waits on the list for a worker: delayed, as jobs state=delayed lists it.
    expect(by.emails).toEqual({ wait: 2, prioritized: 0, active: 0, delayed: 1, retries: 0, stalled: 0 });
    expect(lib.queues.emails.queued_delayed).toBe(1);
    const delayedJobs = await celery.jobs(readContext(redis), ['emails'], { state: 'delayed' });
    expect(delayedJobs.map((j) => j.id)).toEqual([state.eta]);
    expect(await celery.jobs(readContext(redis), ['emails'], { state: 'waiting' })).toHaveLength(by.emails.wait!);
    expect(frames[0].meta?.notices.map((n: { text: string }) => n.text).join('\n')).toMatch(/no enqueue time/);
  });

  it('counts due unacknowledged messages past the visibility timeout as stalled (restore_visible() redelivers them; a held ETA message stays delayed)', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const lib = await libraryView(flavour, ['celery', 'emails'], [], 1);
    expect(lib.stalled_total).toBe(2);
    const ctx = readContext(redis);
    const short = new CelerySystem(1);
    await short.discover(ctx);
    const [celeryStats] = await short.overview(ctx, ['celery']);
    expect(celeryStats.values.stalled).toBe(lib.queues.celery.stalled);
    const stalledJobs = await short.jobs(ctx, ['celery'], { state: 'stalled' });
    // restore_visible() would also redeliver retry_later (eta +1 h, held by the worker): delayed, not stalled.
    expect(stalledJobs.map((j) => j.id)).toEqual([state.slow]);
    // the data source setting reaches the adapter through the packaged executable
    const vt: DatasourceSettings = { uid: `${ds.uid}-vt1`, jsonData: { ...ds.jsonData, celeryVisibilityTimeout: 1 } };
    const wire = readNumeric(
      await query({ queryType: 'overview', system: 'celery', queues: ['celery'], metrics: ['stalled'] }, vt)
    );
    expect(wire).toEqual([{ metric: 'stalled', labels: { system: 'celery', queue: 'celery' }, value: 1 }]);
  });

  it('groups real failures by exception class, as AsyncResult reports them', async () => {
    const ctx = readContext(redis);
    const groups = await celery.failures(ctx, ['celery', 'emails']);
    const lib = await libraryView(flavour, [], state.failed);
    expect(Object.values(lib.states)).toEqual(['FAILURE', 'FAILURE', 'FAILURE']);
    expect(groups.map((g) => [g.queue, g.reason, g.count])).toEqual([
      [failedQueue, 'ValueError: card declined for order <n>', 2],
      [failedQueue, 'ConnectionError: gateway timeout talking to bank for order <n>', 1],
    ]);
    const classes = Object.values(lib.exc_types).sort();
    expect(classes).toEqual(['ConnectionError', 'ValueError', 'ValueError']);
    const table = tableRows((await query({ queryType: 'failures', system: 'celery' }))[0]);
    expect(table.map((r) => [r.queue, r.count])).toEqual([
      [failedQueue, 2],
      [failedQueue, 1],
    ]);
  });

  it('lists failed and completed tasks from the result backend', async () => {
    const ctx = readContext(redis);
    const failed = await celery.jobs(ctx, ['celery'], { state: 'failed' });
    const lib = await libraryView(flavour, [], [...state.failed, ...state.completed]);
    expect(failed.map((j) => j.id).sort()).toEqual([...state.failed].sort());
    for (const j of failed) {
      expect(j.error?.split(':')[0]).toBe(lib.exc_types[j.id]);
      expect(j.stacktrace).toMatch(/^Traceback/);
      expect(j.finishedAt).toBeGreaterThan(ctx.now - 600_000);
      expect(j.queue).toBe(failedQueue);
    }
    if (flavour.extended) {
      const flaky = failed.find((j) => j.name === 'jobs.flaky')!;
      expect(flaky.attempts).toBe(2);
      expect(JSON.parse(flaky.payload!.preview)).toEqual([[7], {}]);
    }
    const completed = await celery.jobs(ctx, ['celery'], { state: 'completed' });
    expect(completed.map((j) => j.id).sort()).toEqual([...state.completed].sort());
    expect(state.completed.every((id) => lib.states[id] === 'SUCCESS')).toBe(true);
    const searched = await celery.jobs(ctx, ['celery'], { state: 'failed', search: 'connectionerror' });
    expect(searched.map((j) => j.id)).toEqual([state.failed[2]]);
  });

  it('lists waiting messages in the order a worker takes them, payloads decoded, pickle shown as hex', async () => {
    const ctx = readContext(redis);
    const waiting = await celery.jobs(ctx, ['celery'], { state: 'waiting' });
    expect(waiting.map((j) => j.id)).toEqual([...state.waiting, state.priority5, state.priority9]);
    expect(waiting[0]).toMatchObject({ queue: 'celery', name: 'jobs.add', state: 'waiting', attempts: 0 });
    expect(JSON.parse(waiting[0].payload!.preview)[0]).toEqual([200, 1]);

    const emails = await celery.jobs(ctx, ['emails'], { state: 'waiting' });
    expect(emails.map((j) => j.id)).toEqual([state.traced, state.pickled]);
    expect(emails[0].traceId).toBe(state.traceparent.split('-')[1]);
    expect(emails[1].payload).toMatchObject({ kind: 'pickle' });
    expect(emails[1].payload!.preview).toMatch(/^80[0-9a-f]+$/);

    // through the executable: the trace id column
    const rows = tableRows(
      (await query({ queryType: 'jobs', system: 'celery', queues: ['emails'], state: 'waiting' }))[0]
    );
    expect(rows.map((r) => [r.id, r.trace_id, r.payload_kind])).toEqual([
      [state.traced, state.traceparent.split('-')[1], 'json'],
      [state.pickled, null, 'pickle'],
    ]);
  });

  it('lists delayed, retried and active messages from the queues and from what workers hold', async () => {
    const ctx = readContext(redis);
    const delayed = await celery.jobs(ctx, ['celery', 'emails'], { state: 'delayed' });
    expect(delayed.map((j) => [j.queue, j.id]).sort()).toEqual(
      [
        ['celery', state.retry_later],
        ['emails', state.eta],
      ].sort()
    );
    const retry = await celery.jobs(ctx, ['celery', 'emails'], { state: 'retry' });
    expect(retry.map((j) => [j.id, j.name, j.attempts, j.state])).toEqual([
      [state.retry_later, 'jobs.retry_later', 1, 'retry'],
    ]);
    const active = await celery.jobs(ctx, ['celery', 'emails'], { state: 'active' });
    expect(active.map((j) => [j.id, j.name, j.state])).toEqual([[state.slow, 'jobs.slow', 'active']]);
    expect(active[0].processedAt).toBeGreaterThan(ctx.now - 600_000);
    expect(await celery.jobs(ctx, ['celery'], { state: 'stalled' })).toEqual([]);
    const notices = readContext(redis);
    expect(await celery.jobs(notices, ['celery'], { state: 'dead' })).toEqual([]);
    expect(notices.notices.map((n) => n.text).join('\n')).toMatch(/no dead-letter queue/);
  });

  it('counts finished tasks over time from date_done', async () => {
    const series = readTimeseriesMulti(await query({ queryType: 'timeseries', system: 'celery' }));
    const total = (queue: string, metric: string) =>
      series
        .filter((s) => s.labels.queue === queue && s.metric === metric)
        .reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
    expect(total(failedQueue, 'completed')).toBe(3);
    expect(total(failedQueue, 'failed')).toBe(3);
  });

  it('lists the killed worker from its pidbox binding, as kombu does', async () => {
    const lib = await libraryView(flavour, [], []);
    expect(lib.workers).toEqual([state.node]);
    const ctx = readContext(redis);
    await celery.discover(ctx);
    // SIGKILLed: its binding stays, and nothing in Redis proves liveness either way.
    expect((await celery.workers(ctx, ['celery'])).map((w) => [w.name, w.host, w.alive])).toEqual([
      [state.node, 'jobscope', null],
    ]);
    const rows = tableRows((await query({ queryType: 'workers', system: 'celery' }))[0]);
    expect(rows.map((r) => r.name)).toEqual(lib.workers);
    expect(rows.map((r) => [r.alive, r.liveness])).toEqual([[null, 'unknown']]);
  });

  it('answers every query type as a Redis user that may only read, and leaves the state as it was', async () => {
    const before = await libraryView(flavour, ['celery', 'emails'], []);
    const report = await runAsReadOnlyUser({ kind: 'redis', url: CELERY_URL }, everyQueryType({ system: 'celery' }));
    expect(report.errors).toEqual({});
    expect(report.writes).toEqual([]);
    expect(report.commands).toEqual(
      expect.arrayContaining([
        'llen',
        'lrange',
        'zcard',
        'zcount',
        'zrange',
        'hstrlen',
        'hget',
        'smembers',
        'scan',
        'strlen',
        'get',
      ])
    );
    const after = await libraryView(flavour, ['celery', 'emails'], []);
    expect(after.queues).toEqual(before.queues);
    expect(after.unacked_total).toBe(before.unacked_total);
  });
});

describe('bad data', () => {
  const SEP = '\x06\x16';
  const now = Date.now() / 1000;
  const envelope = (id: string, extra: object = {}) =>
    JSON.stringify({
      body: Buffer.from(JSON.stringify([[1], {}, {}])).toString('base64'),
      'content-type': 'application/json',
      'content-encoding': 'utf-8',
      headers: { task: 'jobs.add', id, retries: 0, eta: null },
      properties: {
        delivery_tag: `tag-${id}`,
        delivery_info: { exchange: '', routing_key: 'celery' },
        body_encoding: 'base64',
      },
      ...extra,
    });

  beforeAll(async () => {
    await flushCeleryDb();
    await redis.sadd('_kombu.binding.celery', `celery${SEP}${SEP}celery`, 'garbage-member');
    await redis.sadd('_kombu.binding.emails', `emails${SEP}${SEP}emails`);
    await redis.set('_kombu.binding.broken', 'a string, not a set');
    await redis.hset('emails', 'wrong', 'type'); // a queue key of the wrong type
    await redis.lpush('celery', envelope('good-1'));
    await redis.lpush('celery', 'not json at all');
    await redis.lpush('celery', Buffer.from([0xff, 0x00, 0xfe, 0x80]));
    await redis.lpush('celery', '[1, 2, 3]');
    await redis.lpush('celery', envelope('huge', { body: 'A'.repeat(2 * 1024 * 1024) }));
    await redis.hset('unacked', 'tag-bad', 'not json');
    await redis.hset(
      'unacked',
      'tag-big',
      JSON.stringify([JSON.parse(envelope('big')), '', 'x'.repeat(2 * 1024 * 1024)])
    );
    await redis.hset('unacked', 'tag-ok', JSON.stringify([JSON.parse(envelope('held')), '', 'celery']));
    await redis.zadd('unacked_index', now - 10, 'tag-bad', now - 9, 'tag-big', now - 8, 'tag-gone', now - 7, 'tag-ok');
    await redis.hset('celery-task-meta-wrongtype', 'status', 'FAILURE');
    await redis.set('celery-task-meta-notjson', '{"status": ');
    await redis.set(
      'celery-task-meta-big',
      JSON.stringify({ status: 'FAILURE', traceback: 'x'.repeat(2 * 1024 * 1024) })
    );
    await redis.set(
      'celery-task-meta-old',
      JSON.stringify({
        status: 'FAILURE',
        result: { exc_type: 'OSError', exc_message: 'disk full' },
        date_done: new Date().toISOString().replace('Z', ''),
        task_id: 'old',
      })
    );
    await redis.set('_kombu.binding.celery.pidbox', 'wrong type');
  });

  it('answers with what can be read and says what could not, never throwing', async () => {
    const celery = new CelerySystem();
    const ctx = readContext(redis);
    const { queues } = await celery.discover(ctx);
    expect(queues).toEqual(['celery', 'emails']);
    expect(ctx.notices.map((n) => n.text)).toContainEqual(expect.stringMatching(/^_kombu\.binding\.broken: WRONGTYPE/));
    const stats = await celery.overview(ctx, queues);
    const by = Object.fromEntries(stats.map((s) => [s.queue, s.values]));
    expect(by.celery).toMatchObject({ wait: 5, active: 1 });
    const texts = () => ctx.notices.map((n) => n.text).join('\n');
    expect(texts()).toMatch(/emails: emails: WRONGTYPE/);
    expect(texts()).toMatch(/2 unacknowledged message\(s\) over 1048576 bytes or not kombu entries/);

    const waiting = await celery.jobs(ctx, ['celery', 'emails'], { state: 'waiting' });
    expect(waiting.map((j) => j.id)).toEqual(['good-1', '(no id)', '(no id)', '(no id)', 'huge']);
    expect(waiting[2].payload?.kind).toBe('binary');
    expect(waiting[4].payload).toMatchObject({ truncated: true, bytes: 1572864 });
    for (const state of ['failed', 'dead', 'retry', 'delayed', 'active', 'stalled', 'completed'] as const) {
      await expect(celery.jobs(ctx, queues, { state })).resolves.toBeInstanceOf(Array);
    }
    const groups = await celery.failures(ctx, queues);
    expect(groups.map((g) => [g.queue, g.reason, g.count])).toEqual([[UNKNOWN_QUEUE, 'OSError: disk full', 1]]);
    expect(texts()).toMatch(/1 result\(s\) over 1048576 bytes not read/);
    expect(texts()).toMatch(/2 celery-task-meta-\* key\(s\) are not Celery results/);
    await expect(celery.throughput(ctx, queues)).resolves.toHaveLength(6);
    await expect(celery.workers(ctx, queues)).resolves.toEqual([]);
  });

  it('answers every query type through the executable', async () => {
    const ds: DatasourceSettings = { uid: 'ds-celery-bad-data', jsonData: { kind: 'redis', url: CELERY_URL } };
    const responses = await grafana.queryData(
      ds,
      everyQueryType({ system: 'celery' }).filter((q) => (q.json as any).queryType !== 'queues')
    );
    for (const [refId, r] of Object.entries(responses)) {
      expect({ refId, error: r.error || undefined, status: r.status }).toEqual({
        refId,
        error: undefined,
        status: 200,
      });
    }
  });
});
