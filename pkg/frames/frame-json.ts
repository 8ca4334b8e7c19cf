/**
 * Grafana's JSON frame encoding (schema + columnar values), the format of Live stream
 * packets: Grafana forwards StreamPacket.data to browsers as is. Times are epoch ms.
 */
import type { Frame, FieldType } from './frame';

const JSON_TYPES: Record<FieldType, { type: string; frame: string }> = {
  string: { type: 'string', frame: 'string' },
  number: { type: 'number', frame: 'float64' },
  int64: { type: 'number', frame: 'int64' },
  boolean: { type: 'boolean', frame: 'bool' },
  time: { type: 'time', frame: 'time.Time' },
};

export function frameToJSON(frame: Frame): Buffer {
  return Buffer.from(
    JSON.stringify({
      schema: {
        name: frame.name ?? '',
        refId: frame.refId ?? '',
        meta: frame.meta,
        fields: frame.fields.map((f) => ({
          name: f.name,
          type: JSON_TYPES[f.type].type,
          typeInfo: { frame: JSON_TYPES[f.type].frame, nullable: f.values.some((v) => v === null) || undefined },
          labels: f.labels,
          config: f.config,
        })),
      },
      data: { values: frame.fields.map((f) => f.values) },
    })
  );
}
