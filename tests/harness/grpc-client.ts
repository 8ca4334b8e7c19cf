/**
 * The Grafana side of the gRPC conversation: clients for the pluginv2 services, go-plugin's
 * controller and the health check, with promise wrappers. (The Go host in tests/gohost
 * checks the same conversation with Grafana's own generated clients.)
 */
import * as grpc from '@grpc/grpc-js';
import { services } from '../../pkg/protocol/wire';
import type {
  CallResourceResponse,
  CheckHealthResponse,
  DataResponse,
  PluginContext,
  SubscribeStreamResponse,
} from '../../pkg/protocol/messages';

const OPTIONS = { 'grpc.max_receive_message_length': 64 * 1024 * 1024 };

type Raw = Record<string, (req: unknown, ...rest: unknown[]) => unknown>;

function client(definition: grpc.ServiceDefinition, target: string): Raw & grpc.Client {
  const Ctor = grpc.makeGenericClientConstructor(definition, '');
  return new Ctor(target, grpc.credentials.createInsecure(), OPTIONS) as unknown as Raw & grpc.Client;
}

function call<T>(c: Raw, method: string, req: unknown, deadlineMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) =>
    c[method](req, { deadline: Date.now() + deadlineMs }, (err: Error | null, res: T) =>
      err ? reject(err) : resolve(res)
    )
  );
}

export interface DatasourceSettings {
  uid: string;
  name?: string;
  jsonData: Record<string, unknown>;
  secureJsonData?: Record<string, string>;
  lastUpdatedMS?: number;
}

export function pluginContext(ds: DatasourceSettings, role = 'Viewer'): PluginContext {
  return {
    orgId: 1,
    pluginId: 'jobscope-queues-datasource',
    user: { login: 'tester', name: 'Tester', email: 'tester@example.com', role },
    dataSourceInstanceSettings: {
      id: 1,
      name: ds.name ?? ds.uid,
      url: '',
      uid: ds.uid,
      jsonData: Buffer.from(JSON.stringify(ds.jsonData)),
      decryptedSecureJsonData: ds.secureJsonData ?? {},
      lastUpdatedMS: ds.lastUpdatedMS ?? 1,
    },
    grafanaConfig: {},
    pluginVersion: '0.1.0',
  };
}

export interface QuerySpec {
  refId: string;
  json: unknown;
  queryType?: string;
  fromMS?: number;
  toMS?: number;
}

export class GrafanaClient {
  private readonly data: Raw & grpc.Client;
  private readonly diagnostics: Raw & grpc.Client;
  private readonly resource: Raw & grpc.Client;
  private readonly stream: Raw & grpc.Client;
  private readonly controller: Raw & grpc.Client;
  private readonly health: Raw & grpc.Client;

  constructor(target: string) {
    this.data = client(services.data, target);
    this.diagnostics = client(services.diagnostics, target);
    this.resource = client(services.resource, target);
    this.stream = client(services.stream, target);
    this.controller = client(services.controller, target);
    this.health = client(services.health, target);
  }

  async ping(): Promise<number> {
    const res = await call<{ status: number }>(this.health, 'Check', { service: 'plugin' });
    return res.status;
  }

  /** `role`: the Grafana org role of the user asking (PluginContext.user.role). */
  async queryData(ds: DatasourceSettings, queries: QuerySpec[], headers: Record<string, string> = {}, role = 'Viewer') {
    const now = Date.now();
    const res = await call<{ responses: Record<string, DataResponse> }>(this.data, 'QueryData', {
      pluginContext: pluginContext(ds, role),
      headers,
      queries: queries.map((q) => ({
        refId: q.refId,
        maxDataPoints: 100,
        intervalMS: 1000,
        timeRange: { fromEpochMS: q.fromMS ?? now - 3600_000, toEpochMS: q.toMS ?? now },
        json: Buffer.from(typeof q.json === 'string' ? q.json : JSON.stringify(q.json)),
        queryType: q.queryType ?? '',
      })),
    });
    return res.responses;
  }

  checkHealth(ds: DatasourceSettings): Promise<CheckHealthResponse> {
    return call(this.diagnostics, 'CheckHealth', { pluginContext: pluginContext(ds), headers: {} });
  }

  async collectMetrics(): Promise<string> {
    const res = await call<{ metrics: { prometheus: Buffer } }>(this.diagnostics, 'CollectMetrics', {
      pluginContext: {},
    });
    return res.metrics.prometheus.toString('utf8');
  }

  /** CallResource streams its answer; like Grafana, take code/headers from the first message and join bodies. */
  callResource(
    ds: DatasourceSettings,
    method: string,
    path: string,
    body = ''
  ): Promise<{ code: number; headers: CallResourceResponse['headers']; body: string }> {
    return new Promise((resolve, reject) => {
      const messages: CallResourceResponse[] = [];
      const s = this.resource.CallResource({
        pluginContext: pluginContext(ds),
        path,
        method,
        url: `/api/datasources/uid/${ds.uid}/resources/${path}`,
        headers: {},
        body: Buffer.from(body),
      }) as grpc.ClientReadableStream<CallResourceResponse>;
      s.on('data', (m: CallResourceResponse) => messages.push(m));
      s.on('error', reject);
      s.on('end', () =>
        resolve({
          code: messages[0]?.code ?? 0,
          headers: messages[0]?.headers,
          body: Buffer.concat(messages.map((m) => m.body)).toString('utf8'),
        })
      );
    });
  }

  subscribeStream(ds: DatasourceSettings, path: string): Promise<SubscribeStreamResponse> {
    return call(this.stream, 'SubscribeStream', {
      pluginContext: pluginContext(ds),
      path,
      data: Buffer.alloc(0),
      headers: {},
    });
  }

  /** Opens RunStream; packets arrive as parsed frame JSON. Cancel to play "last subscriber left". */
  runStream(ds: DatasourceSettings, path: string) {
    const packets: unknown[] = [];
    const waiters: Array<() => void> = [];
    const s = this.stream.RunStream({
      pluginContext: pluginContext(ds),
      path,
      data: Buffer.alloc(0),
      headers: {},
    }) as grpc.ClientReadableStream<{
      data: Buffer;
    }>;
    let error: Error | undefined;
    const ended = new Promise<void>((resolve) => {
      s.on('end', resolve);
      s.on('error', (e: Error) => {
        error = e;
        resolve();
      });
    });
    s.on('data', (p: { data: Buffer }) => {
      packets.push(JSON.parse(p.data.toString('utf8')));
      waiters.splice(0).forEach((w) => w());
    });
    return {
      packets,
      ended,
      get error() {
        return error;
      },
      async waitFor(n: number, timeoutMs = 15_000): Promise<void> {
        const until = Date.now() + timeoutMs;
        while (packets.length < n) {
          if (Date.now() > until) {
            throw new Error(`only ${packets.length} of ${n} stream packets arrived`);
          }
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 200);
          });
        }
      },
      cancel: () => s.cancel(),
    };
  }

  shutdown(): Promise<unknown> {
    return call(this.controller, 'Shutdown', {});
  }

  close(): void {
    [this.data, this.diagnostics, this.resource, this.stream, this.controller, this.health].forEach((c) => c.close());
  }
}
