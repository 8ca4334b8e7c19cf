/** CheckHealth: connect, read the server version, report which job systems were found. */
import type { CheckHealthRequest, CheckHealthResponse } from '../protocol/messages';
import { HealthStatus } from '../protocol/definitions';
import { classify } from '../errors/errors';
import type { Datasource } from './datasource';

export async function checkHealth(ds: Datasource, req: CheckHealthRequest): Promise<CheckHealthResponse> {
  try {
    const report = await ds.bounded(req.pluginContext, 'the health check', async () =>
      (await ds.source(req.pluginContext)).source.checkHealth()
    );
    const found = Object.entries(report.systems)
      .map(([system, n]) => `${n} ${system} queue${n === 1 ? '' : 's'}`)
      .join(', ');
    ds.metrics.healthChecks.add({ status: 'ok' }, 1);
    return {
      status: HealthStatus.OK,
      message: `Connected to ${report.server}. Found ${found || 'no job queues yet'}.`,
      jsonDetails: Buffer.from(
        JSON.stringify({ server: report.server, systems: report.systems, notices: report.notices })
      ),
    };
  } catch (err) {
    const e = classify(err);
    ds.metrics.healthChecks.add({ status: 'error' }, 1);
    return {
      status: HealthStatus.ERROR,
      message: e.message,
      jsonDetails: Buffer.from(JSON.stringify({ errorSource: e.source, status: e.status })),
    };
  }
}
