/**
 * QueryData: every query gets its own DataResponse, success or failure, so one bad query
 * never fails its neighbours and alerting always sees a response per refId.
 */
import type { DataQuery, DataResponse, QueryDataRequest, QueryDataResponse } from '../protocol/messages';
import { classify } from '../errors/errors';
import { parseQuery } from '../query/parse';
import { encodeFrame, Frame } from '../frames/frame';
import { numericMulti, table } from '../frames/dataplane';
import type { Datasource } from './datasource';
import type { JobscopeQuery } from '../query/model';
import { streamPathFor } from './stream';

async function framesFor(ds: Datasource, req: QueryDataRequest, dq: DataQuery, query: JobscopeQuery): Promise<Frame[]> {
  const { config, source } = await ds.source(req.pluginContext);
  switch (query.queryType) {
    case 'queues': {
      const queues = await source.listQueues();
      return [
        table(dq.refId, 'queues', [
          { name: 'system', type: 'string', values: queues.map((q) => q.system) },
          { name: 'queue', type: 'string', values: queues.map((q) => q.queue) },
        ]),
      ];
    }
    case 'overview':
    case undefined: {
      const result = await source.overview(query, Date.now());
      const fromAlert = req.headers?.FromAlert === 'true';
      const channel = fromAlert ? undefined : streamPathFor(config.uid, query);
      return numericMulti(dq.refId, result.values, {
        executedQueryString: result.executed,
        notices: result.notices.length ? result.notices : undefined,
        channel,
      });
    }
    default:
      return [
        table(dq.refId, query.queryType, [], [
          { severity: 'warning', text: `query type "${query.queryType}" is not available in this version yet` },
        ]),
      ];
  }
}

async function answer(ds: Datasource, req: QueryDataRequest, dq: DataQuery): Promise<DataResponse> {
  const started = process.hrtime.bigint();
  let type = 'invalid';
  try {
    const query = parseQuery(dq.refId, dq.json, dq.queryType);
    type = query.queryType ?? 'overview';
    const frames = (await framesFor(ds, req, dq, query)).map(encodeFrame);
    ds.metrics.queries.add({ type, status: 'ok' }, 1);
    return { frames, status: 200 };
  } catch (err) {
    const e = classify(err);
    ds.metrics.queries.add({ type, status: e.source === 'plugin' ? 'plugin_error' : 'downstream_error' }, 1);
    if (e.source === 'plugin') {
      ds.log.error('query failed', { refId: dq.refId, error: e.message });
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
