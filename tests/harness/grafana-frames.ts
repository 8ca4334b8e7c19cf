/**
 * Reads frames the way Grafana's Go SDK does and fails on anything its reader would reject:
 * Arrow IPC *file* magic, only accepted column types, JSON metadata, unique label sets,
 * and, for data-plane types, the shapes alerting expects.
 */
import { RecordBatchReader, Type } from 'apache-arrow';

export interface DecodedField {
  name: string;
  arrowType: string;
  nullable: boolean;
  labels: Record<string, string>;
  config: Record<string, unknown>;
  values: unknown[];
}

export interface DecodedFrame {
  name: string;
  refId: string;
  meta: Record<string, any> | undefined;
  fields: DecodedField[];
}

const ACCEPTED = new Set([Type.Utf8, Type.Int, Type.Float, Type.Bool, Type.Timestamp, Type.Binary]);

function fail(message: string): never {
  throw new Error(`Grafana would reject this frame: ${message}`);
}

function parseJSONObject(raw: string | undefined, what: string): Record<string, any> | undefined {
  if (raw === undefined) {
    return undefined;
  }
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    fail(`${what} is not JSON: ${raw}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    fail(`${what} is not a JSON object`);
  }
  return v as Record<string, any>;
}

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  const buf = Buffer.from(bytes);
  if (buf.subarray(0, 6).toString() !== 'ARROW1' || buf.subarray(buf.length - 6).toString() !== 'ARROW1') {
    fail('not an Arrow IPC file (magic ARROW1 at both ends)');
  }
  // Fields are read by position from the file's own schema: apache-arrow's record-batch
  // schema merges fields of the same name (Grafana frames often repeat names, e.g. "wait"
  // for every queue, told apart by labels), the file schema does not.
  const reader = RecordBatchReader.from(buf);
  reader.open();
  const schema = reader.schema;
  const batches = [...reader];
  const md = schema.metadata;
  const meta = parseJSONObject(md.get('meta'), 'frame meta');
  const fields = schema.fields.map((f, i) => {
    if (!ACCEPTED.has(f.type.typeId)) {
      fail(`field ${f.name} has Arrow type ${String(f.type)}`);
    }
    const labels = parseJSONObject(f.metadata.get('labels'), `labels of ${f.name}`) ?? {};
    for (const [k, v] of Object.entries(labels)) {
      if (typeof v !== 'string') {
        fail(`label ${k} of ${f.name} is not a string`);
      }
    }
    const values: unknown[] = [];
    for (const batch of batches) {
      const column = batch.getChildAt(i)!;
      for (let r = 0; r < batch.numRows; r++) {
        const v = column.get(r);
        values.push(typeof v === 'bigint' ? Number(v) : v);
      }
    }
    if (f.type.typeId === Type.Timestamp) {
      if ((f.type as any).unit !== 3 /* NANOSECOND */) {
        fail(`time field ${f.name} is not in nanoseconds`);
      }
    }
    return {
      name: f.metadata.get('name') ?? f.name,
      arrowType: String(f.type),
      nullable: f.nullable,
      labels: labels as Record<string, string>,
      config: parseJSONObject(f.metadata.get('config'), `config of ${f.name}`) ?? {},
      values,
    };
  });
  return { name: md.get('name') ?? '', refId: md.get('refId') ?? '', meta, fields };
}

/** Alerting identifies a series by its labels alone (the field name is not part of it). */
const identity = (f: DecodedField) => JSON.stringify(Object.entries(f.labels).sort());

/**
 * What alerting's data-plane numeric readers require (numeric-wide: one single-row frame
 * of float64 fields; numeric-multi: one such field a frame), returning the values. Label
 * sets must be unique across all values.
 */
export function readNumeric(
  frames: DecodedFrame[]
): Array<{ metric: string; labels: Record<string, string>; value: number }> {
  if (frames.length === 0) {
    fail('a numeric response with no frames');
  }
  const type = frames[0].meta?.type;
  if (
    (type !== 'numeric-wide' && type !== 'numeric-multi') ||
    JSON.stringify(frames[0].meta?.typeVersion) !== '[0,1]'
  ) {
    fail(`frame ${frames[0].name} is not typed numeric-wide/numeric-multi 0.1 (${JSON.stringify(frames[0].meta)})`);
  }
  if (type === 'numeric-wide' && frames.length !== 1) {
    fail('numeric-wide must be exactly one frame');
  }
  const out: Array<{ metric: string; labels: Record<string, string>; value: number }> = [];
  const seen = new Set<string>();
  for (const f of frames) {
    if (f.meta?.type !== type) {
      fail(`frame ${f.name} is typed ${f.meta?.type}, the first ${type}`);
    }
    if (f.fields.length === 0 && frames.length === 1) {
      return []; // the typed empty frame: no data
    }
    if (f.fields.some((x) => x.arrowType !== 'Float64')) {
      fail(`${type} frame ${f.name} may hold only float64 fields`);
    }
    if (type === 'numeric-multi' && f.fields.length !== 1) {
      fail(`numeric-multi frame ${f.name} must hold one field`);
    }
    for (const field of f.fields) {
      if (field.values.length !== 1) {
        fail(`${type} frame ${f.name} must have exactly one row`);
      }
      const id = identity(field);
      if (seen.has(id)) {
        fail(`duplicate series ${id}`);
      }
      seen.add(id);
      out.push({ metric: field.name, labels: field.labels, value: field.values[0] as number });
    }
  }
  return out;
}

export function readTimeseriesMulti(frames: DecodedFrame[]) {
  const seen = new Set<string>();
  return frames.map((f) => {
    if (f.meta?.type !== 'timeseries-multi') {
      fail(`frame ${f.name} is not typed timeseries-multi`);
    }
    const time = f.fields.find((x) => x.arrowType.startsWith('Timestamp'));
    const value = f.fields.find((x) => x.arrowType === 'Float64');
    if (!time || !value || f.fields.length !== 2) {
      fail(`timeseries-multi frame ${f.name} needs one time and one float64 field`);
    }
    if (time.nullable || time.values.some((v) => v === null)) {
      fail(`time field of ${f.name} is nullable`);
    }
    const times = time.values as number[];
    if (times.some((t, i) => i > 0 && t < times[i - 1])) {
      fail(`time field of ${f.name} is not sorted`);
    }
    const id = identity(value);
    if (seen.has(id)) {
      fail(`duplicate series ${id}`);
    }
    seen.add(id);
    return { metric: value.name, labels: value.labels, times, values: value.values as number[] };
  });
}
