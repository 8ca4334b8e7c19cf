/**
 * Reads `jobs` table frames (query type jobs: system, queue, id, name, state, attempts, …,
 * payload, payload_bytes, payload_truncated, trace_id) from the panel's data into rows, and
 * turns a row's trace id into links through the trace_id field's data links: the trace, and
 * the logs of the trace when the backend adds a link titled "… logs" (see explore-links.ts for
 * the logs link the panel builds itself from the data source settings).
 */
import type { DataFrame, DataLink, Field } from '@grafana/data';

import { exploreHref, rangeAround, type LinkModel } from './explore-links';

export interface JobListRow {
  system: string;
  queue: string;
  id: string;
  name?: string;
  state: string;
  attempts?: number;
  error?: string;
  stacktrace?: string;
  /** When the job was created and when it finished, epoch ms. */
  created?: number;
  finished?: number;
  payload?: string;
  /** json, text, pickle, marshal, binary (hex), none. */
  payloadKind?: string;
  payloadBytes?: number;
  payloadTruncated: boolean;
  traceId?: string;
  trace?: TraceLinkModel;
  /** Logs of the trace, when the frame's trace_id field links to them. */
  logs?: TraceLinkModel;
  /** The job's last known time (finished, else processed, else created), epoch ms. */
  time?: number;
}

export type TraceLinkModel = LinkModel;

const field = (frame: DataFrame, name: string): Field | undefined => frame.fields.find((f) => f.name === name);

/** A `jobs` frame: named so by the backend, or a table with the columns that make one. */
export function isJobsFrame(frame: DataFrame): boolean {
  return (
    frame.name === 'jobs' ||
    (field(frame, 'id') !== undefined && field(frame, 'state') !== undefined && field(frame, 'queue') !== undefined)
  );
}

const str = (v: unknown): string | undefined => (v === null || v === undefined || v === '' ? undefined : String(v));
const num = (v: unknown): number | undefined =>
  v === null || v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v);

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

/** Explore on the link's data source, querying the trace id around the job's time. */
export function exploreUrl(link: DataLink, traceId: string, timeMs?: number): string {
  const uid = link.internal!.datasourceUid;
  const query = interpolate(link.internal!.query ?? {}, traceId) as Record<string, unknown>;
  return exploreHref({ uid }, query, rangeAround(timeMs));
}

/** A link to logs (by its title: "Logs", "Open logs", "Loki logs" …) rather than to the trace. */
export const isLogsLink = (title: string | undefined) => /\blogs?\b/i.test(title ?? '');

/**
 * The trace (or, with `logs`, the logs) link for row `i`: Grafana's own link supplier when the
 * data went through field overrides (field.getLinks), else built from the field's data links.
 */
export function traceLink(
  traceField: Field,
  i: number,
  traceId: string,
  timeMs?: number,
  logs = false
): TraceLinkModel | undefined {
  const fallbackTitle = logs ? 'Logs' : 'Open trace';
  const supplied = traceField.getLinks?.({ valueRowIndex: i }).find((l) => l.href && isLogsLink(l.title) === logs);
  if (supplied) {
    return { href: supplied.href, title: supplied.title || fallbackTitle, target: supplied.target };
  }
  const link = traceField.config.links?.find(
    (l) => (l.internal?.datasourceUid || l.url) && isLogsLink(l.title) === logs
  );
  if (!link) {
    return undefined;
  }
  if (link.internal?.datasourceUid) {
    return { href: exploreUrl(link, traceId, timeMs), title: link.title || fallbackTitle };
  }
  return {
    href: link.url.replace(/\$\{__value\.(raw|text)\}/g, encodeURIComponent(traceId)),
    title: link.title || fallbackTitle,
    target: '_blank',
  };
}

/** Every row of every jobs frame in the data. */
export function jobRows(frames: DataFrame[]): JobListRow[] {
  const rows: JobListRow[] = [];
  for (const frame of frames.filter(isJobsFrame)) {
    const cols = new Map(frame.fields.map((f) => [f.name, f] as const));
    const get = (name: string, i: number) => cols.get(name)?.values[i];
    const traceField = field(frame, 'trace_id');
    for (let i = 0; i < frame.length; i++) {
      const traceId = str(get('trace_id', i));
      const time = num(get('finished', i)) ?? num(get('processed', i)) ?? num(get('created', i));
      rows.push({
        system: str(get('system', i)) ?? '',
        queue: str(get('queue', i)) ?? '',
        id: str(get('id', i)) ?? '',
        name: str(get('name', i)),
        state: str(get('state', i)) ?? '',
        attempts: num(get('attempts', i)),
        error: str(get('error', i)),
        stacktrace: str(get('stacktrace', i)),
        created: num(get('created', i)),
        finished: num(get('finished', i)),
        payload: str(get('payload', i)),
        payloadKind: str(get('payload_kind', i)),
        payloadBytes: num(get('payload_bytes', i)),
        payloadTruncated: get('payload_truncated', i) === true,
        traceId,
        time,
        trace: traceId && traceField ? traceLink(traceField, i, traceId, time) : undefined,
        logs: traceId && traceField ? traceLink(traceField, i, traceId, time, true) : undefined,
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
