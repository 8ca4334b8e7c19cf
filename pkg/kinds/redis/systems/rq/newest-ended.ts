/**
 * The newest jobs of RQ's failed or finished registry by the job's own end time (ended_at),
 * at most `perQueue` per queue, newest first.
 *
 * A registry's score is the job's expiry: its end in whole seconds plus its ttl. Jobs ending
 * within one second tie, and Redis orders a tie by member (the job id), so a ZREVRANGEBYSCORE
 * cut at n keeps arbitrary jobs of the last second. Per queue, so:
 *   1. ZREVRANGEBYSCORE (now, +inf] WITHSCORES LIMIT 0 n+TIE_MARGIN: the n highest scores and
 *      a bounded margin beyond them (entries past their score have expired with their job).
 *   2. Only when members past the n-th tie with it: HMGET ended_at failure_ttl of that tie
 *      band as read (before and after the cut), which is ranked by end time, newest first
 *      (id ascending on equal times), to fill the places the higher scores leave.
 * Cost per queue: at most n + TIE_MARGIN ids and TIE_MARGIN + n small HMGETs, whatever the
 * registry holds. A band wider than what was read (more than TIE_MARGIN jobs past the cut
 * ending in the same second) is ranked among the members read, and a notice says so.
 * Between seconds the order is RQ's own (expiry): with jobs of different ttls in one
 * registry a job with a longer ttl ranks as newer than its end time alone would make it.
 */
import type { ReadContext } from '../../job-system';
import { execPipeline, scoredMembers, value } from '../../job-system';
import type { RqKeys } from './keys';
import { DEFAULT_FAILURE_TTL_S, parseTime } from './keys';

/** Members read beyond the limit to complete a tie band at the cut. */
export const TIE_MARGIN = 200;

export interface EndedRef {
  queue: string;
  id: string;
  state: string;
  score: number;
}

/**
 * A failed or finished job's end time in epoch ms: its ended_at, or for a failed job RQ
 * moved there without one (abandoned, by the started registry's cleanup) the registry
 * score less its failure_ttl.
 */
export function endTimeOf(
  state: string,
  score: number | undefined,
  endedAt: string | null | undefined,
  failureTtl: string | null | undefined
): number | undefined {
  const t = parseTime(endedAt);
  if (t !== undefined || (state !== 'failed' && state !== 'dead') || score === undefined || !Number.isFinite(score)) {
    return t;
  }
  const ttl = Number(failureTtl) || DEFAULT_FAILURE_TTL_S;
  return (score - ttl) * 1000;
}

/** Newest first by end time; ids ascending on equal times, unknown times last. */
export function byEndNewestFirst(a: { id: string; end?: number }, b: { id: string; end?: number }): number {
  const d = (b.end ?? -Infinity) - (a.end ?? -Infinity);
  if (d !== 0 && !Number.isNaN(d)) {
    return d;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

interface Cut {
  queue: string;
  /** Members with a score above the tie band: kept as they are. */
  kept: EndedRef[];
  /** The tie band at the cut as read, to rank by end time. */
  band: EndedRef[];
  /** Places left for the band. */
  places: number;
}

export async function newestEnded(
  ctx: ReadContext,
  keys: RqKeys,
  registry: 'failed' | 'finished',
  state: string,
  queues: string[],
  perQueue: number
): Promise<EndedRef[]> {
  const now = ctx.now / 1000;
  const p = ctx.client.pipeline();
  for (const q of queues) {
    p.zrevrangebyscore(keys.registry(registry, q), '+inf', `(${now}`, 'WITHSCORES', 'LIMIT', 0, perQueue + TIE_MARGIN);
  }
  const replies = await execPipeline(p);
  const cuts: Cut[] = queues.map((queue, i) => {
    if (replies[i]?.[0]) {
      ctx.notice('warning', `${queue}: ${state} jobs unreadable: ${replies[i][0]!.message}`);
    }
    const read = scoredMembers(replies[i]).map(([id, score]): EndedRef => ({ queue, id, state, score }));
    if (perQueue < 1 || read.length <= perQueue || read[perQueue].score !== read[perQueue - 1].score) {
      return { queue, kept: read.slice(0, perQueue), band: [], places: 0 };
    }
    const tie = read[perQueue - 1].score;
    const kept = read.filter((r) => r.score > tie);
    const band = read.filter((r) => r.score === tie);
    if (read.length === perQueue + TIE_MARGIN && read[read.length - 1].score === tie) {
      ctx.notice(
        'info',
        `${queue}: over ${band.length} ${state} jobs share one expiry second at the list's end; ` +
          `the newest by end time among the ${band.length} read are listed`
      );
    }
    return { queue, kept, band, places: perQueue - kept.length };
  });

  const ranked = cuts.filter((c) => c.band.length > 0);
  if (ranked.length > 0) {
    const q = ctx.client.pipeline();
    for (const c of ranked) {
      for (const r of c.band) {
        q.hmget(keys.job(r.id), 'ended_at', 'failure_ttl');
      }
    }
    const ends = await execPipeline(q);
    let j = 0;
    for (const c of ranked) {
      const timed = c.band.map((r) => {
        const [endedAt, ttl] = value<Array<string | null>>(ends[j++]) ?? [];
        return { ref: r, id: r.id, end: endTimeOf(state, r.score, endedAt, ttl) };
      });
      c.band = timed.sort(byEndNewestFirst).map((t) => t.ref);
    }
  }
  return cuts.flatMap((c) => [...c.kept, ...c.band.slice(0, c.places)]);
}
