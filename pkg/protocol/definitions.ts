/**
 * Wire definitions for the services Grafana calls, written from the public proto files
 * (grafana-plugin-sdk-go proto/backend.proto, hashicorp/go-plugin internal/plugin/*.proto,
 * grpc health v1). Only what Jobscope serves is declared; field numbers follow those files,
 * so proto3's additive rules keep them compatible with Grafana 10 to 12.
 */
export const PROTO_SOURCE = `
syntax = "proto3";

package pluginv2;

message DataSourceInstanceSettings {
  int64 id = 1;
  string name = 2;
  string url = 3;
  string user = 4;
  string database = 5;
  bool basicAuthEnabled = 6;
  string basicAuthUser = 7;
  bytes jsonData = 8;
  map<string, string> decryptedSecureJsonData = 9;
  int64 lastUpdatedMS = 10;
  string uid = 11;
  string apiVersion = 12;
}

message AppInstanceSettings {
  bytes jsonData = 3;
  map<string, string> decryptedSecureJsonData = 4;
  int64 lastUpdatedMS = 5;
  string apiVersion = 6;
}

message User {
  string login = 1;
  string name = 2;
  string email = 3;
  string role = 4;
}

message PluginContext {
  int64 orgId = 1;
  string pluginId = 2;
  User user = 3;
  AppInstanceSettings appInstanceSettings = 4;
  DataSourceInstanceSettings dataSourceInstanceSettings = 5;
  map<string, string> grafanaConfig = 6;
  string pluginVersion = 7;
  string userAgent = 8;
  string apiVersion = 9;
}

message StringList { repeated string values = 1; }

message CallResourceRequest {
  PluginContext pluginContext = 1;
  string path = 2;
  string method = 3;
  string url = 4;
  map<string, StringList> headers = 5;
  bytes body = 6;
}

message CallResourceResponse {
  int32 code = 1;
  map<string, StringList> headers = 2;
  bytes body = 3;
}

message TimeRange {
  int64 fromEpochMS = 1;
  int64 toEpochMS = 2;
}

message DataQuery {
  string refId = 1;
  int64 maxDataPoints = 2;
  int64 intervalMS = 3;
  TimeRange timeRange = 4;
  bytes json = 5;
  string queryType = 6;
}

message QueryDataRequest {
  PluginContext pluginContext = 1;
  map<string, string> headers = 2;
  repeated DataQuery queries = 3;
  int32 format = 7;
}

message DataResponse {
  repeated bytes frames = 1;
  string error = 2;
  bytes jsonMeta = 3;
  int32 status = 4;
  string errorSource = 5;
  int32 format = 7;
}

message QueryDataResponse { map<string, DataResponse> responses = 1; }

message CheckHealthRequest {
  PluginContext pluginContext = 1;
  map<string, string> headers = 2;
}

message CheckHealthResponse {
  int32 status = 1;
  string message = 2;
  bytes jsonDetails = 3;
}

message CollectMetricsRequest { PluginContext pluginContext = 1; }

message CollectMetricsPayload { bytes prometheus = 1; }

message CollectMetricsResponse { CollectMetricsPayload metrics = 1; }

message SubscribeStreamRequest {
  PluginContext pluginContext = 1;
  string path = 2;
  bytes data = 3;
  map<string, string> headers = 4;
}

message SubscribeStreamResponse {
  int32 status = 1;
  bytes data = 2;
}

message PublishStreamRequest {
  PluginContext pluginContext = 1;
  string path = 2;
  bytes data = 3;
  map<string, string> headers = 4;
}

message PublishStreamResponse {
  int32 status = 1;
  bytes data = 2;
}

message RunStreamRequest {
  PluginContext pluginContext = 1;
  string path = 2;
  bytes data = 3;
  map<string, string> headers = 4;
}

message StreamPacket { bytes data = 1; }
`;

/** go-plugin's own services (package plugin) and the standard gRPC health check. */
export const GO_PLUGIN_PROTO_SOURCE = `
syntax = "proto3";
package plugin;
message Empty {}
message StdioData {
  int32 channel = 1;
  bytes data = 2;
}
message ConnInfo {
  uint32 service_id = 1;
  string network = 2;
  string address = 3;
}
`;

export const HEALTH_PROTO_SOURCE = `
syntax = "proto3";
package grpc.health.v1;
message HealthCheckRequest { string service = 1; }
message HealthCheckResponse { int32 status = 1; }
`;

/** Enum values, kept as numbers on the wire (proto3 enums are varints). */
export const HealthStatus = { UNKNOWN: 0, OK: 1, ERROR: 2 } as const;
export const StreamStatus = { OK: 0, NOT_FOUND: 1, PERMISSION_DENIED: 2 } as const;
export const ServingStatus = { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2 } as const;
