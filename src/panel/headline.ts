/**
 * The line above the diagram where a user looks first: how long the oldest job has waited,
 * how many workers are live, and (RabbitMQ) how much of the time consumers could take more.
 * Parts in order of importance; the ones that do not fit the width are dropped.
 */
import type { FlowCounts } from './flow-counts';
import { formatExact, formatRatio, formatSeconds } from './format';
import { textWidth } from './text-fit';

export interface HeadlinePart {
  id: 'oldest_wait_seconds' | 'workers' | 'consumer_utilisation';
  text: string;
  /** Needs attention (drawn in the warning colour). */
  alarm: boolean;
}

export function headlineParts(counts: FlowCounts): HeadlinePart[] {
  const parts: HeadlinePart[] = [];
  if (counts.oldest_wait_seconds !== undefined) {
    parts.push({
      id: 'oldest_wait_seconds',
      text: `oldest wait ${formatSeconds(counts.oldest_wait_seconds)}`,
      alarm: false,
    });
  }
  if (counts.workers !== undefined) {
    const n = counts.workers;
    parts.push({
      id: 'workers',
      text: `${formatExact(n)} worker${n === 1 ? '' : 's'}`,
      alarm: n === 0 && (counts.wait ?? 0) > 0,
    });
  }
  if (counts.consumer_utilisation !== undefined) {
    parts.push({
      id: 'consumer_utilisation',
      text: `${formatRatio(counts.consumer_utilisation)} consumer use`,
      alarm: false,
    });
  }
  return parts;
}

/** The leading parts that fit `width` at `size` px, joined by " · ". */
export function fitHeadline(parts: HeadlinePart[], width: number, size: number): HeadlinePart[] {
  const out: HeadlinePart[] = [];
  let used = 0;
  for (const p of parts) {
    const w = textWidth(p.text, size) + (out.length ? textWidth(' · ', size) : 0);
    if (used + w > width) {
      break;
    }
    out.push(p);
    used += w;
  }
  return out;
}
