/**
 * Data frames as Grafana's Go SDK reads them: one Arrow IPC *file* per frame, with the
 * frame's name/refId/meta in the schema metadata and each field's name/labels/config in
 * the field metadata. Only the Arrow types Grafana's reader accepts are produced.
 */
import { ArrowColumnType, ColumnReader, writeColumns } from './arrow-ipc';

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

export type { Notice } from '../reading/notice';
import type { Notice } from '../reading/notice';

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

/** Utf8 (never a dictionary, which Grafana rejects), Float64, Int64, Bool, Timestamp(NANOSECOND). */
const ARROW_TYPE: Record<FieldType, ArrowColumnType> = {
  string: 'utf8',
  number: 'float64',
  int64: 'int64',
  boolean: 'bool',
  // Exact nanoseconds from epoch ms (BigInt: ms × 10⁶ in floating point drifts). Missing or
  // non-finite times (allowed in tables, never in a series' time field) are nulls.
  time: 'timestamp',
};

/** Field metadata: name, then labels and config as JSON when they have keys. */
function fieldMetadata(field: Field): Array<[string, string]> {
  const meta: Array<[string, string]> = [['name', field.name]];
  if (field.labels && Object.keys(field.labels).length > 0) {
    meta.push(['labels', JSON.stringify(field.labels)]);
  }
  if (field.config && Object.keys(field.config).length > 0) {
    meta.push(['config', JSON.stringify(field.config)]);
  }
  return meta;
}

/** A field is nullable exactly when it has missing values (the writer decides from the values). */
const FIELD_READER: ColumnReader<Field> = {
  name: (f) => f.name,
  type: (f) => ARROW_TYPE[f.type],
  values: (f) => f.values,
  metadata: fieldMetadata,
};

/** Encodes one frame as an Arrow IPC file (magic "ARROW1"). */
export function encodeFrame(frame: Frame): Uint8Array {
  const length = frame.fields[0]?.values.length ?? 0;
  for (const f of frame.fields) {
    if (f.values.length !== length) {
      throw new Error(`field "${f.name}" has ${f.values.length} values, expected ${length}`);
    }
  }
  const schemaMeta: Array<[string, string]> = [
    ['name', frame.name ?? ''],
    ['refId', frame.refId ?? ''],
  ];
  if (frame.meta) {
    schemaMeta.push(['meta', JSON.stringify(frame.meta)]);
  }
  return writeColumns(frame.fields, FIELD_READER, schemaMeta);
}
