/**
 * The apache-arrow encoder that encodeFrame used before pkg/frames/arrow-ipc.ts: the
 * reference its tests compare against and the baseline of bench/frame-encoding.ts.
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
import type { Field, FieldType, Frame } from '../../pkg/frames/frame';

export function encodeWithApacheArrow(frame: Frame): Uint8Array {
  const arrowType = (type: FieldType): DataType =>
    ({
      string: new Utf8(),
      number: new Float64(),
      int64: new Int64(),
      boolean: new Bool(),
      time: new TimestampNanosecond(),
    })[type];
  const columnData = (field: Field) => {
    if (field.type === 'time') {
      const nanos = new BigInt64Array(field.values.length);
      const validity = new Uint8Array(Math.ceil(field.values.length / 8));
      let nullCount = 0;
      field.values.forEach((v, i) => {
        if (v === null || v === undefined || !Number.isFinite(Number(v))) {
          nullCount++;
          return;
        }
        nanos[i] = BigInt(Math.round(Number(v))) * 1_000_000n;
        validity[i >> 3] |= 1 << (i & 7);
      });
      return makeData({
        type: new TimestampNanosecond(),
        length: field.values.length,
        nullCount,
        data: nanos,
        nullBitmap: nullCount ? validity : undefined,
      });
    }
    const values = field.values.map((v) => (v === undefined ? null : v));
    const converted =
      field.type === 'int64' ? values.map((v) => (v === null ? null : BigInt(Math.trunc(Number(v))))) : values;
    return vectorFromArray(converted, arrowType(field.type) as never).data[0];
  };
  const fieldMetadata = (field: Field) => {
    const meta = new Map([['name', field.name]]);
    if (field.labels && Object.keys(field.labels).length > 0) {
      meta.set('labels', JSON.stringify(field.labels));
    }
    if (field.config && Object.keys(field.config).length > 0) {
      meta.set('config', JSON.stringify(field.config));
    }
    return meta;
  };
  const length = frame.fields[0]?.values.length ?? 0;
  const columns = frame.fields.map(columnData);
  const arrowFields = frame.fields.map(
    (f, i) => new ArrowField(f.name, arrowType(f.type), columns[i].nullCount > 0, fieldMetadata(f))
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
