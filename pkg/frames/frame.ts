/**
 * Data frames as Grafana's Go SDK reads them: one Arrow IPC *file* per frame, with the
 * frame's name/refId/meta in the schema metadata and each field's name/labels/config in
 * the field metadata. Only the Arrow types Grafana's reader accepts are produced.
 */
import {
  Bool,
  DataType,
  Field as ArrowField,
  Float64,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimestampNanosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';

export type FieldType = 'string' | 'number' | 'int64' | 'time' | 'boolean';

export interface DataLink {
  title: string;
  url: string;
  internal?: { datasourceUid: string; datasourceName?: string; query: unknown };
}

/** Grafana FieldConfig (subset we set). */
export interface FieldConfig {
  displayNameFromDS?: string;
  unit?: string;
  decimals?: number;
  links?: DataLink[];
  description?: string;
}

export interface Notice {
  severity: 'info' | 'warning' | 'error';
  text: string;
}

/** Grafana FrameMeta (subset). */
export interface FrameMeta {
  type?: string;
  typeVersion?: [number, number];
  executedQueryString?: string;
  custom?: unknown;
  notices?: Notice[];
  channel?: string;
  preferredVisualisationType?: 'graph' | 'table' | 'logs' | 'trace' | 'nodeGraph' | 'flamegraph';
  stats?: Array<{ displayName: string; value: number; unit?: string }>;
}

export interface Field {
  name: string;
  type: FieldType;
  /** Times are epoch milliseconds; null marks a missing value (the field becomes nullable). */
  values: unknown[];
  labels?: Record<string, string>;
  config?: FieldConfig;
}

export interface Frame {
  name?: string;
  refId?: string;
  meta?: FrameMeta;
  fields: Field[];
}

function arrowType(type: FieldType): DataType {
  switch (type) {
    case 'string':
      return new Utf8(); // explicit: apache-arrow would infer Dictionary<Utf8>, which Grafana rejects
    case 'number':
      return new Float64();
    case 'int64':
      return new Int64();
    case 'boolean':
      return new Bool();
    case 'time':
      return new TimestampNanosecond();
  }
}

/**
 * Nanosecond timestamps built from exact integers (ms × 10⁶ in floating point drifts).
 * Missing times (allowed in tables, never in a series' time field) get a validity bit of 0.
 */
function timeData(values: unknown[]) {
  const nanos = new BigInt64Array(values.length);
  const validity = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined || !Number.isFinite(Number(v))) {
      nullCount++;
      return;
    }
    nanos[i] = BigInt(Math.round(Number(v))) * 1_000_000n;
    validity[i >> 3] |= 1 << (i & 7);
  });
  return makeData({ type: new TimestampNanosecond(), length: values.length, nullCount, data: nanos, nullBitmap: nullCount ? validity : undefined });
}

function columnData(field: Field) {
  if (field.type === 'time') {
    return timeData(field.values);
  }
  const values = field.values.map((v) => (v === undefined ? null : v));
  const converted =
    field.type === 'int64' ? values.map((v) => (v === null ? null : BigInt(Math.trunc(Number(v))))) : values;
  return vectorFromArray(converted, arrowType(field.type) as never).data[0];
}

function fieldMetadata(field: Field): Map<string, string> {
  const meta = new Map([['name', field.name]]);
  if (field.labels && Object.keys(field.labels).length > 0) {
    meta.set('labels', JSON.stringify(field.labels));
  }
  if (field.config && Object.keys(field.config).length > 0) {
    meta.set('config', JSON.stringify(field.config));
  }
  return meta;
}

/** Encodes one frame as an Arrow IPC file (magic "ARROW1"). */
export function encodeFrame(frame: Frame): Uint8Array {
  const length = frame.fields[0]?.values.length ?? 0;
  for (const f of frame.fields) {
    if (f.values.length !== length) {
      throw new Error(`field "${f.name}" has ${f.values.length} values, expected ${length}`);
    }
  }
  const columns = frame.fields.map(columnData);
  const arrowFields = frame.fields.map(
    (f, i) => new ArrowField(f.name, arrowType(f.type), columns[i].nullCount > 0, fieldMetadata(f)),
  );
  const schemaMeta = new Map([
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ]);
  if (frame.meta) {
    schemaMeta.set('meta', JSON.stringify(frame.meta));
  }
  const schema = new Schema(arrowFields, schemaMeta);
  const data = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: columns });
  return tableToIPC(new Table(schema, new RecordBatch(schema, data)), 'file');
}
