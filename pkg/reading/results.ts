/** Small pieces every data-source kind uses to assemble a ReadResult. */
import type { Notice } from '../frames/frame';
import type { ReadResult } from '../source/queue-source';

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
