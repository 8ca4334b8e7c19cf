/**
 * Dead messages of the chosen consumers from the advisory stream (advisories.ts): the newest
 * captured advisories, walked down by sequence (at most `scan` gets), each with its original
 * message while its stream keeps it. Read-only STREAM.INFO and STREAM.MSG.GET calls only.
 */
import { notFound } from '../../../../errors/errors';
import { mapLimit } from '../../../../reading/map-limit';
import { matchesSearch, type JobRow } from '../../../../reading/rows';
import { natsError } from '../../connection';
import type { NatsContext } from '../../context';
import { Advisory, advisoryRow, NO_ADVISORY_STREAM_NOTICE, originalMessage, recentAdvisories } from './advisories';
import { CONCURRENCY } from './consumers';

export interface DeadLetter {
  advisory: Advisory;
  row: JobRow;
}

/** At most `limit` dead messages of `queues`, newest first (matching `search` when given). */
export async function deadLetters(
  ctx: NatsContext,
  queues: readonly string[],
  limit: number,
  search: string | undefined
): Promise<DeadLetter[]> {
  const s = ctx.settings;
  if (!s.advisoryStream) {
    ctx.notice('info', NO_ADVISORY_STREAM_NOTICE);
    ctx.executed?.('nothing (no advisory stream set)');
    return [];
  }
  const wanted = new Set(queues);
  const scan = Math.min(Math.max(limit * 4, 200), 2000);
  let found;
  try {
    found = await recentAdvisories(
      ctx.jsm,
      s.advisoryStream,
      (label) => wanted.has(label),
      search ? scan : limit,
      scan
    );
  } catch (err) {
    const e = natsError(err, s, `advisory stream "${s.advisoryStream}"`);
    throw e.status === 404
      ? notFound(`advisory stream "${s.advisoryStream}" does not exist. ${NO_ADVISORY_STREAM_NOTICE}`)
      : e;
  }
  if (!found.exhausted && found.advisories.length < limit) {
    ctx.notice('info', `read the newest ${found.scanned} advisories only (bounded); older ones were not read`);
  }
  const originals = await mapLimit(found.advisories, CONCURRENCY, (a) =>
    originalMessage(ctx.jsm, a).catch((err) => {
      ctx.notice('warning', `original of ${a.stream} seq ${a.streamSeq} not read (${natsError(err, s).message})`);
      return undefined;
    })
  );
  const rows = found.advisories
    .map((a, i) => ({ advisory: a, row: advisoryRow(a, originals[i], ctx.payloadLimit) }))
    .filter(({ row }) => matchesSearch(row, search));
  if (rows.some((r) => !r.row.payload)) {
    ctx.notice(
      'info',
      "some original messages are gone (their stream's retention removed them): only the advisory is shown"
    );
  }
  ctx.executed?.(
    `$JS.API.STREAM.MSG.GET × ${found.scanned} on "${s.advisoryStream}" + ${found.advisories.length} original message get(s)`
  );
  return rows.slice(0, limit);
}
