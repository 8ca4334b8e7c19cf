/**
 * Turns the proto definitions into grpc-js service definitions with protobufjs codecs.
 * Messages cross into handlers as plain objects: int64 as number, bytes as Buffer,
 * absent fields filled with proto3 defaults.
 */
import * as protobuf from 'protobufjs';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { GO_PLUGIN_PROTO_SOURCE, HEALTH_PROTO_SOURCE, PROTO_SOURCE } from './definitions';
import { encodeQueryDataResponse } from './query-data-encoder';
import type { QueryDataResponse } from './messages';

const root = new protobuf.Root();
for (const source of [PROTO_SOURCE, GO_PLUGIN_PROTO_SOURCE, HEALTH_PROTO_SOURCE]) {
  protobuf.parse(source, root, { keepCase: true });
}

const TO_OBJECT: protobuf.IConversionOptions = {
  longs: Number,
  bytes: Buffer,
  defaults: true,
  arrays: true,
  objects: true,
};

export interface Codec<T> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

export function codec<T>(typeName: string): Codec<T> {
  const type = root.lookupType(typeName);
  return {
    encode: (value) => Buffer.from(type.encode(type.fromObject(value as object)).finish()),
    decode: (bytes) => type.toObject(type.decode(bytes), TO_OBJECT) as T,
  };
}

interface MethodSpec {
  request: string;
  response: string;
  requestStream?: boolean;
  responseStream?: boolean;
}

/** Builds a grpc-js ServiceDefinition for `service` (fully qualified) from message names. */
export function serviceDefinition(service: string, methods: Record<string, MethodSpec>): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, spec] of Object.entries(methods)) {
    const req = codec<unknown>(spec.request);
    const res = codec<unknown>(spec.response);
    definition[name] = {
      path: `/${service}/${name}`,
      requestStream: spec.requestStream ?? false,
      responseStream: spec.responseStream ?? false,
      requestSerialize: req.encode,
      requestDeserialize: req.decode,
      responseSerialize: res.encode,
      responseDeserialize: res.decode,
    };
  }
  return definition as ServiceDefinition;
}

/** Swaps one method's response serializer (the decoder stays the generic one). */
function withResponseSerializer(
  definition: ServiceDefinition,
  method: string,
  serialize: (value: unknown) => Buffer
): ServiceDefinition {
  return { ...definition, [method]: { ...definition[method], responseSerialize: serialize } };
}

export const services = {
  data: withResponseSerializer(
    serviceDefinition('pluginv2.Data', {
      QueryData: { request: 'pluginv2.QueryDataRequest', response: 'pluginv2.QueryDataResponse' },
    }),
    'QueryData',
    (res) => encodeQueryDataResponse(res as QueryDataResponse)
  ),
  diagnostics: serviceDefinition('pluginv2.Diagnostics', {
    CheckHealth: { request: 'pluginv2.CheckHealthRequest', response: 'pluginv2.CheckHealthResponse' },
    CollectMetrics: { request: 'pluginv2.CollectMetricsRequest', response: 'pluginv2.CollectMetricsResponse' },
  }),
  resource: serviceDefinition('pluginv2.Resource', {
    CallResource: {
      request: 'pluginv2.CallResourceRequest',
      response: 'pluginv2.CallResourceResponse',
      responseStream: true,
    },
  }),
  stream: serviceDefinition('pluginv2.Stream', {
    SubscribeStream: { request: 'pluginv2.SubscribeStreamRequest', response: 'pluginv2.SubscribeStreamResponse' },
    RunStream: { request: 'pluginv2.RunStreamRequest', response: 'pluginv2.StreamPacket', responseStream: true },
    PublishStream: { request: 'pluginv2.PublishStreamRequest', response: 'pluginv2.PublishStreamResponse' },
  }),
  controller: serviceDefinition('plugin.GRPCController', {
    Shutdown: { request: 'plugin.Empty', response: 'plugin.Empty' },
  }),
  stdio: serviceDefinition('plugin.GRPCStdio', {
    StreamStdio: { request: 'plugin.Empty', response: 'plugin.StdioData', responseStream: true },
  }),
  broker: serviceDefinition('plugin.GRPCBroker', {
    StartStream: { request: 'plugin.ConnInfo', response: 'plugin.ConnInfo', requestStream: true, responseStream: true },
  }),
  health: serviceDefinition('grpc.health.v1.Health', {
    Check: { request: 'grpc.health.v1.HealthCheckRequest', response: 'grpc.health.v1.HealthCheckResponse' },
  }),
};
