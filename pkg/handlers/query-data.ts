/**
 * QueryData: every query gets its own DataResponse, success or failure, so one bad query
 * never fails its neighbours and alerting always sees a response per refId.
 */
import type { DataQuery, DataResponse, QueryDataRequest, QueryDataResponse } from '../protocol/messages';
import { classify } from '../errors/errors';
import { relativiseStack } from '../errors/scrub';
import { parseQuery } from '../query/parse';
import { encodeFrame, Frame } from '../frames/frame';
import { table } from '../frames/dataplane';
import { resultFrames } from '../frames/result-frames';
import { boundResult, cutName, queryBudget } from '../frames/bounds';
import type { Datasource } from './datasource';
import type { JobscopeQuery } from '../model/query';
import { streamPathFor } from './stream';

async function framesFor(ds: Datasource, req: QueryDataRequest, dq: DataQuery, query: JobscopeQuery): Promise<Frame[]> {
  const { config, source } = await ds.source(req.pluginContext);
  if (query.queryType === 'queues') {
    const queues = await source.listQueues();
    return [
      table(dq.refId, 'queues', [
        { name: 'system', type: 'string', values: queues.map((q) => q.system) },
        { name: 'queue', type: 'string', values: queues.map((q) => cutName(q.queue)) },
      ]),
    ];
  }
  const now = Date.now();
  const to = Math.min(dq.timeRange?.toEpochMS || now, now);
  const from = dq.timeRange?.fromEpochMS || to - 3600_000;
  const requester = { role: req.pluginContext.user?.role || undefined, alert: req.headers?.FromAlert === 'true' };
  const result = await source.read(query, { from, to, now, intervalMs: dq.intervalMS || 60_000, requester });
  // Alert evaluations never subscribe; dashboards get live updates of the overview.
  const live = result.type === 'overview' && req.headers?.FromAlert !== 'true';
  return resultFrames(boundResult(result, queryBudget(req.queries.length)), {
    refId: dq.refId,
    metrics: query.metrics,
    tracingDatasourceUid: config.json.tracingDatasourceUid,
    logs:
      config.json.logsDatasourceUid && config.json.logsDatasourceType
        ? {
            uid: config.json.logsDatasourceUid,
            type: config.json.logsDatasourceType,
            labelSelector: config.json.logsLabelSelector,
          }
        : undefined,
    channel: live ? streamPathFor(config.uid, query) : undefined,
  });
}

async function answer(ds: Datasource, req: QueryDataRequest, dq: DataQuery): Promise<DataResponse> {
  const started = process.hrtime.bigint();
  let type = 'invalid';
  try {
    const query = parseQuery(dq.refId, dq.json, dq.queryType);
    type = query.queryType ?? 'overview';
    const frames = (
      await ds.bounded(req.pluginContext, `query ${dq.refId} (${type})`, () => framesFor(ds, req, dq, query))
    ).map(encodeFrame);
    ds.metrics.queries.add({ type, status: 'ok' }, 1);
    return { frames, status: 200 };
  } catch (err) {
    const e = classify(err);
    ds.metrics.queries.add({ type, status: e.source === 'plugin' ? 'plugin_error' : 'downstream_error' }, 1);
    if (e.source === 'plugin') {
      ds.log.error('query failed', {
        refId: dq.refId,
        error: e.message,
        stack: relativiseStack((err as Error)?.stack ?? ''),
      });
    } else {
      ds.log.debug('query refused', { refId: dq.refId, error: e.message });
    }
    return { frames: [], error: e.message, status: e.status, errorSource: e.source };
  } finally {
    ds.metrics.querySeconds.add({}, Number(process.hrtime.bigint() - started) / 1e9);
    ds.metrics.queryCount.add({}, 1);
  }
}

export async function queryData(ds: Datasource, req: QueryDataRequest): Promise<QueryDataResponse> {
  const entries = await Promise.all(req.queries.map(async (dq) => [dq.refId, await answer(ds, req, dq)] as const));
  return { responses: Object.fromEntries(entries) };
}
