/**
 * CallResource: small JSON endpoints the frontend calls through
 * /api/datasources/uid/<uid>/resources/<path> (query editor autocompletion).
 *   GET queues  → [{system, queue}]
 *   GET <other> → the source's own resource(path), when it has one (rabbitmq: topology → {nodes, edges})
 */
import type { CallResourceRequest, CallResourceResponse } from '../protocol/messages';
import { classify } from '../errors/errors';
import { cutName } from '../frames/bounds';
import type { Datasource } from './datasource';

const JSON_HEADERS = { 'Content-Type': { values: ['application/json'] } };

function json(code: number, body: unknown): CallResourceResponse {
  return { code, headers: JSON_HEADERS, body: Buffer.from(JSON.stringify(body)) };
}

export async function callResource(ds: Datasource, req: CallResourceRequest): Promise<CallResourceResponse> {
  const path = req.path.replace(/^\/+/, '').replace(/\/+$/, '');
  try {
    return await ds.bounded(req.pluginContext, `resource ${path}`, async () => {
      if (path === 'queues' && req.method === 'GET') {
        const { source } = await ds.source(req.pluginContext);
        // Each name cut as in frames.
        const queues = await source.listQueues();
        return json(
          200,
          queues.map((q) => ({ system: q.system, queue: cutName(q.queue) }))
        );
      }
      if (req.method === 'GET' && path !== '') {
        const { source } = await ds.source(req.pluginContext);
        if (source.resource) {
          return json(200, await source.resource(path));
        }
      }
      return json(404, { error: `no resource ${req.method} /${path}` });
    });
  } catch (err) {
    const e = classify(err);
    return json(e.status, { error: e.message, errorSource: e.source });
  }
}
