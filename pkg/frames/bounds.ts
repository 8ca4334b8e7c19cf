/**
 * Every answer is bounded before it becomes frames, whatever source read it: each text
 * field of each row type is cut to a limit (the cut text says how big the whole was, as a
 * payload preview does with payload_bytes), and a query's rows stop at a byte budget, the
 * rows left out counted in a notice. Adapters keep their own read bounds (what they pull
 * from a broker); this is the one place that bounds what leaves the plugin.
 */
import { createHash } from 'crypto';
import type { ReadResult } from '../reading/results';
import type { Notice } from './frame';
import { MAX_NOTICES } from '../reading/results';
import { cutText } from '../reading/text';

/** Identifiers and labels: ids, job and worker names, queue names, hosts, states. */
export const SHORT_TEXT_BYTES = 1024;
/** Error messages, stack traces, failure reasons and examples. */
export const LONG_TEXT_BYTES = 16 * 1024;
/**
 * What one query's frames may carry, about: far below gRPC/protobuf's 2 GiB message limit
 * and what Grafana and a browser handle comfortably (a full 1,000-row job list of 16 KiB
 * errors and stack traces fits), while a request of many queries stays well bounded.
 */
export const QUERY_BYTES = 16 * 1024 * 1024;
/**
 * What one QueryData response may carry in all: a request of many queries shares it, so
 * that no request comes near protobuf's 2 GiB message limit (16 queries get 16 MiB each).
 */
export const REQUEST_BYTES = 256 * 1024 * 1024;

/** The byte budget of each query of a request of `queries` queries. */
export function queryBudget(queries: number): number {
  return Math.min(QUERY_BYTES, Math.floor(REQUEST_BYTES / Math.max(1, queries)));
}

const mib = (bytes: number) => `${Number((bytes / 1024 / 1024).toFixed(2))} MiB`;
/** Notices and the executed-query summary are read by people. */
export const NOTICE_BYTES = 2048;

/**
 * A queue name is a label too (alerting tells series apart by labels): a cut one keeps a
 * digest of the whole, so two long names sharing their first bytes stay distinct.
 */
export function cutName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= SHORT_TEXT_BYTES) {
    return name;
  }
  const digest = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${cutText(name, SHORT_TEXT_BYTES)} #${digest}`;
}

/** Counts, per field name, how many values a result had to cut. */
class Cuts {
  readonly counts = new Map<string, number>();

  text(field: string, value: string | undefined, limit: number): string | undefined {
    if (value === undefined || value === null) {
      return value;
    }
    const cut = cutText(String(value), limit);
    if (cut !== value) {
      this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
    }
    return cut;
  }

  name(field: string, value: string): string {
    const cut = cutName(value);
    if (cut !== value) {
      this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
    }
    return cut;
  }

  /** Queue names of one row, each cut, the list kept to LONG_TEXT_BYTES with a count of the rest. */
  names(field: string, values: string[]): string[] {
    const out: string[] = [];
    let bytes = 0;
    for (const v of values) {
      const name = this.name(field, v);
      bytes += Buffer.byteLength(name, 'utf8') + 2;
      if (bytes > LONG_TEXT_BYTES) {
        this.counts.set(field, (this.counts.get(field) ?? 0) + 1);
        out.push(`… [${values.length - out.length} more of ${values.length}]`);
        break;
      }
      out.push(name);
    }
    return out;
  }

  notice(): Notice | undefined {
    if (this.counts.size === 0) {
      return undefined;
    }
    const which = [...this.counts].map(([field, n]) => `${field} in ${n} row(s)`).join(', ');
    return {
      severity: 'info',
      text:
        `text cut to ${SHORT_TEXT_BYTES} bytes (ids, names, queues, hosts) or ${LONG_TEXT_BYTES} bytes (errors, stack traces, reasons): ` +
        `${which}; each cut value ends with its full size`,
    };
  }
}

/** What a row costs in the encoded frame, about: its text bytes plus 8 a value otherwise. */
function rowBytes(row: object): number {
  let n = 0;
  for (const v of Object.values(row)) {
    if (typeof v === 'string') {
      n += Buffer.byteLength(v, 'utf8') + 4;
    } else if (Array.isArray(v)) {
      n += v.reduce((sum: number, x) => sum + (typeof x === 'string' ? Buffer.byteLength(x, 'utf8') : 8), 0);
    } else if (v && typeof v === 'object') {
      n += rowBytes(v);
    } else {
      n += 8;
    }
  }
  return n;
}

/** The leading rows that fit `budget` bytes. */
function withinBudget<T extends object>(rows: T[], budget: number): T[] {
  let used = 0;
  for (let i = 0; i < rows.length; i++) {
    used += rowBytes(rows[i]);
    if (used > budget) {
      return rows.slice(0, i);
    }
  }
  return rows;
}

/** The result with every text field cut and its rows within `budget` bytes, notices saying so. */
export function boundResult(result: ReadResult, budget = QUERY_BYTES): ReadResult {
  const cuts = new Cuts();
  const s = (field: string, v: string | undefined) => cuts.text(field, v, SHORT_TEXT_BYTES);
  const l = (field: string, v: string | undefined) => cuts.text(field, v, LONG_TEXT_BYTES);
  let bounded: ReadResult;
  let total = 0;
  let kept = 0;
  switch (result.type) {
    case 'overview':
      bounded = { ...result, stats: result.stats.map((x) => ({ ...x, queue: cuts.name('queue', x.queue) })) };
      break;
    case 'timeseries':
      bounded = {
        ...result,
        series: result.series.map((x) =>
          x.labels.queue === undefined
            ? x
            : { ...x, labels: { ...x.labels, queue: cuts.name('queue', x.labels.queue) } }
        ),
      };
      break;
    case 'failures': {
      const groups = result.groups.map((g) => ({
        ...g,
        system: s('system', g.system)!,
        queue: cuts.name('queue', g.queue),
        reason: l('reason', g.reason)!,
        exampleJobId: s('example_job_id', g.exampleJobId),
        exampleMessage: l('example_message', g.exampleMessage),
      }));
      total = groups.length;
      bounded = { ...result, groups: withinBudget(groups, budget) };
      kept = bounded.groups.length;
      break;
    }
    case 'jobs': {
      const rows = result.rows.map((r) => ({
        ...r,
        system: s('system', r.system)!,
        queue: cuts.name('queue', r.queue),
        id: s('id', r.id)!,
        name: s('name', r.name),
        state: s('state', r.state)!,
        error: l('error', r.error),
        stacktrace: l('stacktrace', r.stacktrace),
        traceId: s('trace_id', r.traceId),
      }));
      total = rows.length;
      bounded = { ...result, rows: withinBudget(rows, budget) };
      kept = bounded.rows.length;
      break;
    }
    case 'workers': {
      const rows = result.rows.map((r) => ({
        ...r,
        system: s('system', r.system)!,
        name: s('name', r.name)!,
        host: s('host', r.host),
        queues: cuts.names('queues', r.queues),
        columns: r.columns
          ? Object.fromEntries(Object.entries(r.columns).map(([k, v]) => [k, typeof v === 'string' ? s(k, v)! : v]))
          : undefined,
      }));
      total = rows.length;
      bounded = { ...result, rows: withinBudget(rows, budget) };
      kept = bounded.rows.length;
      break;
    }
  }
  const own: Notice[] = [];
  if (kept < total) {
    own.push({
      severity: 'warning',
      text:
        `${total - kept} of ${total} rows left out: the answer would pass ${mib(budget)}, the size a query may return; ` +
        'narrow it (state, queues, search) or lower its limit',
    });
  }
  const cutNotice = cuts.notice();
  if (cutNotice) {
    own.push(cutNotice);
  }
  // The bound's own notices come first, so the cap on notices never hides them.
  const notices = [...own, ...result.notices]
    .slice(0, MAX_NOTICES)
    .map((n) => ({ ...n, text: cutText(n.text, NOTICE_BYTES) }));
  return { ...bounded, notices, executed: cutText(result.executed, NOTICE_BYTES) };
}
