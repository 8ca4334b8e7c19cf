/**
 * Key discovery without KEYS: SCAN with a MATCH pattern, a bounded COUNT per call and a
 * cap on the number of calls, so a huge keyspace costs a known number of round trips.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { countRoundTrip } from './traffic';

export interface ScanLimits {
  /** COUNT hint per SCAN call. */
  count: number;
  /** Stop after this many SCAN calls and report the result as partial. */
  maxCalls: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { count: 5000, maxCalls: 2000 };

/** `s` as a literal inside a MATCH glob: `*`, `?`, `[`, `]` and `\` escaped. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** SCAN every node that holds keys: the one server, or each master of a Cluster. */
export async function scanKeys(
  client: Redis | Cluster,
  match: string,
  limits: ScanLimits = DEFAULT_SCAN_LIMITS
): Promise<{ keys: string[]; complete: boolean }> {
  if (!('isCluster' in client && client.isCluster)) {
    return scanNode(client as Redis, match, limits);
  }
  const parts = await Promise.all((client as Cluster).nodes('master').map((node) => scanNode(node, match, limits)));
  return { keys: parts.flatMap((p) => p.keys), complete: parts.every((p) => p.complete) };
}

async function scanNode(
  client: Redis,
  match: string,
  limits: ScanLimits
): Promise<{ keys: string[]; complete: boolean }> {
  const keys = new Set<string>();
  let cursor = '0';
  for (let call = 0; call < limits.maxCalls; call++) {
    countRoundTrip(1);
    const [next, batch] = await client.scan(cursor, 'MATCH', match, 'COUNT', limits.count);
    batch.forEach((k) => keys.add(k));
    cursor = next;
    if (cursor === '0') {
      return { keys: [...keys], complete: true };
    }
  }
  return { keys: [...keys], complete: false };
}
