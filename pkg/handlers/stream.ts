/**
 * Grafana Live: an overview query answers with a frame whose meta.channel is
 * `ds/<uid>/overview/<encoded query>`; the browser subscribes, Grafana calls
 * SubscribeStream, then RunStream once per channel while anyone watches. RunStream polls
 * the broker and sends one frame per poll; when the last subscriber leaves, Grafana
 * cancels the call and the polling stops.
 */
import type { StreamRequest, SubscribeStreamResponse } from '../protocol/messages';
import { StreamStatus } from '../protocol/definitions';
import type { JobscopeQuery } from '../model/query';
import { parseQuery } from '../query/parse';
import { frameToJSON } from '../frames/frame-json';
import type { Frame } from '../frames/frame';
import { classify } from '../errors/errors';
import { overviewValues } from '../frames/result-frames';
import { boundResult } from '../frames/bounds';
import type { Datasource } from './datasource';
import { commonSettings, Json } from '../kinds/settings-checks';

/** Grafana's limit on channel paths; longer queries are served without live updates. */
const MAX_CHANNEL_LENGTH = 160;
const MIN_INTERVAL_MS = 500;

export function encodeStreamPath(query: JobscopeQuery): string {
  const compact = {
    q: query.queues?.length ? query.queues : undefined,
    m: query.metrics?.length ? query.metrics : undefined,
    s: query.system,
  };
  return `overview/${Buffer.from(JSON.stringify(compact)).toString('base64url')}`;
}

export function decodeStreamPath(path: string): JobscopeQuery | undefined {
  const match = /^overview\/([A-Za-z0-9_-]*)$/.exec(path);
  if (!match) {
    return undefined;
  }
  try {
    const c = JSON.parse(Buffer.from(match[1], 'base64url').toString('utf8'));
    return parseQuery('stream', JSON.stringify({ queryType: 'overview', queues: c.q, metrics: c.m, system: c.s }));
  } catch {
    return undefined;
  }
}

/** The channel a live overview panel subscribes to, or undefined when it would be too long. */
export function streamPathFor(uid: string, query: JobscopeQuery): string | undefined {
  const channel = `ds/${uid}/${encodeStreamPath(query)}`;
  return channel.length <= MAX_CHANNEL_LENGTH && /^[A-Za-z0-9_\-/=.]+$/.test(channel) ? channel : undefined;
}

export async function subscribeStream(ds: Datasource, req: StreamRequest): Promise<SubscribeStreamResponse> {
  if (!decodeStreamPath(req.path)) {
    return { status: StreamStatus.NOT_FOUND };
  }
  try {
    await ds.source(req.pluginContext);
    return { status: StreamStatus.OK };
  } catch {
    return { status: StreamStatus.NOT_FOUND };
  }
}

/** Streams are read-only: nothing may be published into them. */
export async function publishStream(): Promise<SubscribeStreamResponse> {
  return { status: StreamStatus.PERMISSION_DENIED };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

export async function runStream(
  ds: Datasource,
  req: StreamRequest,
  send: (json: Buffer) => void,
  signal: AbortSignal
): Promise<void> {
  const query = decodeStreamPath(req.path);
  if (!query) {
    throw new Error(`unknown stream path ${req.path}`);
  }
  const { config, source } = await ds.source(req.pluginContext);
  const interval = Math.max(
    MIN_INTERVAL_MS,
    commonSettings(config.json as Json).streamIntervalMs ?? ds.stream.intervalMs
  );
  ds.metrics.activeStreams.add({}, 1);
  ds.log.info('stream started', { path: req.path, intervalMs: interval });
  try {
    while (!signal.aborted) {
      const now = Date.now();
      let frame: Frame;
      try {
        const result = boundResult(
          await ds.bounded(req.pluginContext, 'the live overview', () =>
            source.read(query, { from: now - 3600_000, to: now, now, intervalMs: interval })
          )
        );
        const values = result.type === 'overview' ? overviewValues(result, query.metrics) : [];
        frame = {
          name: 'overview',
          meta: { notices: result.notices.length ? result.notices : undefined },
          fields: [
            { name: 'time', type: 'time', values: [now] },
            ...values.map((v) => ({
              name: v.metric,
              type: 'number' as const,
              values: [v.value],
              labels: v.labels,
              config: v.config,
            })),
          ],
        };
      } catch (err) {
        // A broker outage is shown on the panel and retried on the next tick.
        frame = {
          name: 'overview',
          meta: { notices: [{ severity: 'error', text: classify(err).message }] },
          fields: [],
        };
      }
      if (signal.aborted) {
        break;
      }
      send(frameToJSON(frame));
      await sleep(interval, signal);
    }
  } finally {
    ds.metrics.activeStreams.add({}, -1);
    ds.log.info('stream stopped', { path: req.path });
  }
}
