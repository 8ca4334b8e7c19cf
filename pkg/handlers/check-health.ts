/** CheckHealth: connect, read the server version, report which job systems were found. */
import type { CheckHealthRequest, CheckHealthResponse } from '../protocol/messages';
import { HealthStatus } from '../protocol/definitions';
import { classify } from '../errors/errors';
import { NOTICE_BYTES, SHORT_TEXT_BYTES } from '../frames/bounds';
import { MAX_NOTICES } from '../reading/results';
import { cutText } from '../reading/text';
import type { HealthReport } from '../source/queue-source';
import type { Datasource } from './datasource';

export async function checkHealth(ds: Datasource, req: CheckHealthRequest): Promise<CheckHealthResponse> {
  try {
    const report = boundHealth(
      await ds.bounded(req.pluginContext, 'the health check', async () =>
        (await ds.source(req.pluginContext)).source.checkHealth()
      )
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

/** The report as bounded as a query's answer: the server's name (the broker's words), each notice and their number. */
function boundHealth(report: HealthReport): HealthReport {
  return {
    server: cutText(report.server, SHORT_TEXT_BYTES),
    systems: report.systems, // keys are catalogue ids
    notices: report.notices.slice(0, MAX_NOTICES).map((n) => cutText(n, NOTICE_BYTES)),
  };
}
