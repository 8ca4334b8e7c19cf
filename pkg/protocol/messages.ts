/** Plain-object shapes of the pluginv2 messages, as wire.ts decodes and encodes them. */

export interface DataSourceInstanceSettings {
  id: number;
  name: string;
  url: string;
  uid: string;
  jsonData: Buffer;
  decryptedSecureJsonData: Record<string, string>;
  lastUpdatedMS: number;
}

export interface User {
  login: string;
  name: string;
  email: string;
  role: string;
}

export interface PluginContext {
  orgId: number;
  pluginId: string;
  user?: User | null;
  dataSourceInstanceSettings?: DataSourceInstanceSettings | null;
  grafanaConfig: Record<string, string>;
  pluginVersion: string;
}

export interface DataQuery {
  refId: string;
  maxDataPoints: number;
  intervalMS: number;
  timeRange?: { fromEpochMS: number; toEpochMS: number } | null;
  json: Buffer;
  queryType: string;
}

export interface QueryDataRequest {
  pluginContext: PluginContext;
  headers: Record<string, string>;
  queries: DataQuery[];
}

export type ErrorSource = 'plugin' | 'downstream';

export interface DataResponse {
  frames: Uint8Array[];
  error?: string;
  status: number;
  errorSource?: ErrorSource | '';
}

export interface QueryDataResponse {
  responses: Record<string, DataResponse>;
}

export interface CheckHealthRequest {
  pluginContext: PluginContext;
  headers: Record<string, string>;
}

export interface CheckHealthResponse {
  status: number;
  message: string;
  jsonDetails?: Buffer;
}

export interface CallResourceRequest {
  pluginContext: PluginContext;
  path: string;
  method: string;
  url: string;
  headers: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface CallResourceResponse {
  code: number;
  headers?: Record<string, { values: string[] }>;
  body: Buffer;
}

export interface StreamRequest {
  pluginContext: PluginContext;
  path: string;
  data: Buffer;
  headers: Record<string, string>;
}

export interface SubscribeStreamResponse {
  status: number;
  data?: Buffer;
}
