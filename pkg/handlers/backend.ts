/** Binds each protocol handler to the shared Datasource state. */
import type { BackendHandlers } from '../protocol/server';
import { Datasource } from './datasource';
import { queryData } from './query-data';
import { checkHealth } from './check-health';
import { callResource } from './call-resource';
import { collectMetrics } from './collect-metrics';
import { publishStream, runStream, subscribeStream } from './stream';

export function backendHandlers(ds: Datasource) {
  return {
    queryData: (req) => queryData(ds, req),
    checkHealth: (req) => checkHealth(ds, req),
    collectMetrics: () => collectMetrics(ds),
    callResource: (req) => callResource(ds, req),
    subscribeStream: (req) => subscribeStream(ds, req),
    publishStream: () => publishStream(),
    runStream: (req, send, signal) => runStream(ds, req, send, signal),
    close: () => ds.close(),
  } satisfies BackendHandlers;
}
