/**
 * The gRPC server Grafana talks to: pluginv2 services plus go-plugin's controller, stdio,
 * broker and the health check it pings. Knows nothing about job systems: it only adapts
 * grpc-js calls to the BackendHandlers interface.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as grpc from '@grpc/grpc-js';
import { services } from './wire';
import { ServingStatus } from './definitions';
import {
  checkEnvironment,
  handshakeLine,
  HandshakeError,
  ListenAddress,
  tcpPortCandidates,
  unixSocketAddress,
} from './handshake';
import type {
  CallResourceRequest,
  CallResourceResponse,
  CheckHealthRequest,
  CheckHealthResponse,
  QueryDataRequest,
  QueryDataResponse,
  StreamRequest,
  SubscribeStreamResponse,
} from './messages';
import type { Logger } from '../logging/logger';
import { removeStaleSockets } from './stale-sockets';

export interface BackendHandlers {
  queryData(req: QueryDataRequest): Promise<QueryDataResponse>;
  checkHealth(req: CheckHealthRequest): Promise<CheckHealthResponse>;
  /** Prometheus text exposition of the plugin's own metrics. */
  collectMetrics(): Promise<string>;
  callResource(req: CallResourceRequest): Promise<CallResourceResponse>;
  subscribeStream(req: StreamRequest): Promise<SubscribeStreamResponse>;
  publishStream(req: StreamRequest): Promise<SubscribeStreamResponse>;
  /** Sends packets until `signal` aborts (the last subscriber left) or an error. */
  runStream(req: StreamRequest, send: (json: Buffer) => void, signal: AbortSignal): Promise<void>;
  /** Releases connections; called once before exit. */
  close(): Promise<void>;
}

/** Grafana's client allows large messages; grpc-js defaults to 4 MiB on receive. */
const SERVER_OPTIONS: grpc.ServerOptions = {
  'grpc.max_receive_message_length': 64 * 1024 * 1024,
  'grpc.max_send_message_length': -1,
};

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => void;

function unary<Req, Res>(log: Logger, name: string, fn: (req: Req) => Promise<Res>): Unary<Req, Res> {
  return (call, callback) => {
    fn(call.request).then(
      (res) => callback(null, res),
      (err: Error) => {
        log.error('handler failed', { method: name, error: err?.message ?? String(err) });
        callback({ code: grpc.status.INTERNAL, details: err?.message ?? String(err) });
      }
    );
  };
}

/** Ends a server-streaming call with a status, so the caller is not left waiting. */
function failStream(call: grpc.ServerWritableStream<unknown, unknown>, err: Error): void {
  call.emit('error', { code: grpc.status.INTERNAL, details: err.message });
}

export interface RunningPlugin {
  address: ListenAddress;
  /** Resolves when the process should exit. */
  stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

export async function servePlugin(
  handlers: BackendHandlers,
  log: Logger,
  env: NodeJS.ProcessEnv = process.env,
  writeStdout: (line: string) => void = (line) => fs.writeSync(1, line)
): Promise<RunningPlugin> {
  checkEnvironment(env);
  const server = new grpc.Server(SERVER_OPTIONS);
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  const openStreams = new Set<
    grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>
  >();
  let stopping: Promise<void> | undefined;

  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info('plugin stopping', { reason });
      for (const stream of openStreams) {
        stream.end();
      }
      // Grafana kills us 2 s after asking; whatever has not closed within 1 s is cut.
      const deadline = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
      await Promise.race([
        handlers.close().catch((err: Error) => log.warn('close failed', { error: err.message })),
        deadline(1000),
      ]);
      await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), deadline(300)]);
      server.forceShutdown();
      if (address.network === 'unix') {
        fs.rmSync(address.advertised, { force: true });
      }
      resolveStopped();
    })();
    return stopping;
  };

  server.addService(services.data, {
    QueryData: unary(log, 'QueryData', (r: QueryDataRequest) => handlers.queryData(r)),
  });
  server.addService(services.diagnostics, {
    CheckHealth: unary(log, 'CheckHealth', (r: CheckHealthRequest) => handlers.checkHealth(r)),
    CollectMetrics: unary(log, 'CollectMetrics', async () => ({
      metrics: { prometheus: Buffer.from(await handlers.collectMetrics()) },
    })),
  });
  server.addService(services.resource, {
    CallResource: (call: grpc.ServerWritableStream<CallResourceRequest, CallResourceResponse>) => {
      handlers.callResource(call.request).then(
        (res) => {
          call.write(res);
          call.end();
        },
        (err: Error) => failStream(call, err)
      );
    },
  });
  server.addService(services.stream, {
    SubscribeStream: unary(log, 'SubscribeStream', (r: StreamRequest) => handlers.subscribeStream(r)),
    PublishStream: unary(log, 'PublishStream', (r: StreamRequest) => handlers.publishStream(r)),
    RunStream: (call: grpc.ServerWritableStream<StreamRequest, { data: Buffer }>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      openStreams.add(call);
      handlers
        .runStream(call.request, (data) => call.write({ data }), abort.signal)
        .then(
          () => call.end(),
          (err: Error) => {
            log.error('stream failed', { path: call.request.path, error: err.message });
            failStream(call, err);
          }
        )
        .finally(() => openStreams.delete(call));
    },
  });
  server.addService(services.controller, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<object>) => {
      callback(null, {});
      setImmediate(() => void stop('GRPCController.Shutdown'));
    },
  });
  // go-plugin's client opens the stdio and broker streams on connect; we have nothing to
  // send on them but keep them open (until stop) so the client does not log failures.
  const holdOpen = (call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>) => {
    openStreams.add(call);
    call.on('cancelled', () => openStreams.delete(call));
  };
  server.addService(services.stdio, { StreamStdio: holdOpen });
  server.addService(services.broker, {
    StartStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      holdOpen(call);
      call.on('data', () => undefined); // no sub-connections are ever brokered
      call.on('end', () => {
        openStreams.delete(call);
        call.end();
      });
    },
  });
  server.addService(services.health, {
    Check: (call: grpc.ServerUnaryCall<{ service: string }, object>, callback: grpc.sendUnaryData<object>) => {
      const known = call.request.service === '' || call.request.service === 'plugin';
      if (!known) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      callback(null, { status: stopping ? ServingStatus.NOT_SERVING : ServingStatus.SERVING });
    },
  });

  const address = await bind(server, env);
  writeStdout(handshakeLine(address));
  log.info('plugin serving', { network: address.network, address: address.advertised });
  if (address.network === 'unix') {
    // After the handshake, so Grafana never waits for the sweep.
    void removeStaleSockets(path.dirname(address.advertised), address.advertised).then((removed) => {
      if (removed.length > 0) {
        log.info('removed stale plugin sockets', {
          count: removed.length,
          names: removed.map((f) => path.basename(f)).join(','),
        });
      }
    });
  }
  return { address, stopped, stop };
}

function bindOnce(server: grpc.Server, target: string): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (err, port) =>
      err ? reject(err) : resolve(port)
    )
  );
}

async function bind(server: grpc.Server, env: NodeJS.ProcessEnv): Promise<ListenAddress> {
  if (process.platform !== 'win32') {
    const address = unixSocketAddress(env);
    await bindOnce(server, address.bind);
    return address;
  }
  for (const port of tcpPortCandidates(env)) {
    try {
      await bindOnce(server, `127.0.0.1:${port}`);
      return { network: 'tcp', bind: `127.0.0.1:${port}`, advertised: `127.0.0.1:${port}` };
    } catch {
      // taken: try the next port in Grafana's range
    }
  }
  throw new HandshakeError('no free port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT');
}
