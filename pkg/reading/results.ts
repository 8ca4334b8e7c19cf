/** Small pieces every data-source kind uses to assemble a ReadResult. */
import type { Notice } from './notice';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from './rows';
import type { Series } from './series';

type WithSystem<T> = T & { system: string };

/** What a query read, by query type; handlers turn it into frames. */
export type ReadData =
  | { type: 'overview'; stats: Array<WithSystem<QueueStats>> }
  | { type: 'timeseries'; series: Series[] }
  | { type: 'failures'; groups: Array<WithSystem<FailureGroup>> }
  | { type: 'jobs'; rows: Array<WithSystem<JobRow>> }
  | { type: 'workers'; rows: Array<WithSystem<WorkerRow>> };

export type ReadResult = ReadData & {
  notices: Notice[];
  /** A human summary of what was read, shown as the frame's executed query. */
  executed: string;
};

/** Notices a query may carry: repeats dropped, at most this many (a frame is not a log). */
export const MAX_NOTICES = 20;

export function addNotice(notices: Notice[], notice: Notice): void {
  if (notices.length < MAX_NOTICES && !notices.some((n) => n.text === notice.text)) {
    notices.push(notice);
  }
}

/** An answer of the query's type with nothing in it; the notices say why. */
export function emptyResult(type: string, notices: Notice[], executed = 'nothing read'): ReadResult {
  switch (type) {
    case 'timeseries':
      return { type, series: [], notices, executed };
    case 'failures':
      return { type, groups: [], notices, executed };
    case 'jobs':
    case 'workers':
      return { type, rows: [], notices, executed };
    default:
      return { type: 'overview', stats: [], notices, executed };
  }
}
