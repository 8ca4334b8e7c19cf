/**
 * Reads `jobs` table frames (query type jobs: system, queue, id, name, state, attempts, …,
 * payload, payload_bytes, payload_truncated, trace_id) from the panel's data into rows, and
 * turns a row's trace id into a link through the trace_id field's data links.
 */
import { locationUtil, type DataFrame, type DataLink, type Field } from '@grafana/data';

export interface JobListRow {
  system: string;
  queue: string;
  id: string;
  name?: string;
  state: string;
  attempts?: number;
  error?: string;
  payload?: string;
  payloadBytes?: number;
  payloadTruncated: boolean;
  traceId?: string;
  trace?: TraceLinkModel;
}

export interface TraceLinkModel {
  href: string;
  title: string;
  target?: string;
}

const field = (frame: DataFrame, name: string): Field | undefined => frame.fields.find((f) => f.name === name);

/** A `jobs` frame: named so by the backend, or a table with the columns that make one. */
export function isJobsFrame(frame: DataFrame): boolean {
  return frame.name === 'jobs' || (field(frame, 'id') !== undefined && field(frame, 'state') !== undefined && field(frame, 'queue') !== undefined);
}

const str = (v: unknown): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v));
const num = (v: unknown): number | undefined => (v === null || v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v));

/** Replaces ${__value.raw} / ${__value.text} in every string of a link's query. */
function interpolate<T>(value: T, raw: string): T {
  if (typeof value === 'string') {
    return value.replace(/\$\{__value\.(raw|text)\}/g, raw) as T;
  }
  if (Array.isArray(value)) {
    return value.map((v) => interpolate(v, raw)) as T;
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, raw)])) as T;
  }
  return value;
}

/** Explore on the link's tracing data source, querying the trace id (Grafana 10.4+ URL). */
export function exploreUrl(link: DataLink, traceId: string): string {
  const uid = link.internal!.datasourceUid;
  const query = interpolate(link.internal!.query ?? {}, traceId) as Record<string, unknown>;
  const panes = {
    trace: {
      datasource: uid,
      queries: [{ ...query, refId: 'A', datasource: { uid } }],
      range: { from: 'now-1h', to: 'now' },
    },
  };
  return locationUtil.assureBaseUrl(`/explore?schemaVersion=1&panes=${encodeURIComponent(JSON.stringify(panes))}`);
}

/**
 * The link for row `i`: Grafana's own link supplier when the data went through field
 * overrides (field.getLinks), else built from the field's first data link.
 */
export function traceLink(traceField: Field, i: number, traceId: string): TraceLinkModel | undefined {
  const supplied = traceField.getLinks?.({ valueRowIndex: i }).find((l) => l.href);
  if (supplied) {
    return { href: supplied.href, title: supplied.title || 'Open trace', target: supplied.target };
  }
  const link = traceField.config.links?.find((l) => l.internal?.datasourceUid || l.url);
  if (!link) {
    return undefined;
  }
  if (link.internal?.datasourceUid) {
    return { href: exploreUrl(link, traceId), title: link.title || 'Open trace' };
  }
  return { href: link.url.replace(/\$\{__value\.(raw|text)\}/g, encodeURIComponent(traceId)), title: link.title || 'Open trace', target: '_blank' };
}

/** Every row of every jobs frame in the data. */
export function jobRows(frames: DataFrame[]): JobListRow[] {
  const rows: JobListRow[] = [];
  for (const frame of frames.filter(isJobsFrame)) {
    const get = (name: string, i: number) => field(frame, name)?.values[i];
    const traceField = field(frame, 'trace_id');
    for (let i = 0; i < frame.length; i++) {
      const traceId = str(get('trace_id', i));
      rows.push({
        system: str(get('system', i)) ?? '',
        queue: str(get('queue', i)) ?? '',
        id: str(get('id', i)) ?? '',
        name: str(get('name', i)),
        state: str(get('state', i)) ?? '',
        attempts: num(get('attempts', i)),
        error: str(get('error', i)),
        payload: str(get('payload', i)),
        payloadBytes: num(get('payload_bytes', i)),
        payloadTruncated: get('payload_truncated', i) === true,
        traceId,
        trace: traceId && traceField ? traceLink(traceField, i, traceId) : undefined,
      });
    }
  }
  return rows;
}

/** The rows a node lists: its states, in the shown queue (or all), each job once. */
export function rowsForNode(rows: JobListRow[], states: readonly string[], queue: string): JobListRow[] {
  const seen = new Set<string>();
  return rows.filter((r) => {
    const key = `${r.system}\u0000${r.queue}\u0000${r.id}`;
    if (!states.includes(r.state) || (queue && r.queue !== queue) || seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}
