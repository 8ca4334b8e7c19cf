/**
 * Groups failures by reason so a poison pill stands out: the error class when the store
 * keeps one, else the message with the parts that vary per job (ids, numbers, quoted
 * values, addresses) replaced by placeholders.
 */
import type { FailureGroup } from './rows';

export function normaliseReason(message: string): string {
  return (
    message
      .split('\n')[0]
      .slice(0, 500)
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
      .replace(/\b0x[0-9a-f]+\b/gi, '<hex>')
      .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>')
      .replace(/"[^"]*"|'[^']*'/g, '<str>')
      .replace(/\b\d+(\.\d+)?\b/g, '<n>')
      .replace(/\s+/g, ' ')
      .trim() || '(no message)'
  );
}

export interface FailureSample {
  queue: string;
  jobId: string;
  /** Error class, when the system records one. */
  errorClass?: string;
  message?: string;
  at?: number;
}

/** Groups samples by queue and reason, most frequent first. */
export function groupFailures(samples: FailureSample[], limit: number): FailureGroup[] {
  const groups = new Map<string, FailureGroup>();
  for (const s of samples) {
    const message = s.message ?? '';
    const reason = s.errorClass ? `${s.errorClass}: ${normaliseReason(message)}` : normaliseReason(message);
    const key = JSON.stringify([s.queue, reason]);
    const g = groups.get(key) ?? {
      queue: s.queue,
      reason,
      count: 0,
      exampleJobId: s.jobId,
      exampleMessage: message.split('\n')[0].slice(0, 500),
    };
    g.count++;
    if (s.at !== undefined) {
      if (g.firstSeen === undefined || s.at < g.firstSeen) {
        g.firstSeen = s.at;
      }
      if (g.lastSeen === undefined || s.at > g.lastSeen) {
        g.lastSeen = s.at;
        g.exampleJobId = s.jobId;
        g.exampleMessage = message.split('\n')[0].slice(0, 500);
      }
    }
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || (b.lastSeen ?? 0) - (a.lastSeen ?? 0))
    .slice(0, limit);
}
