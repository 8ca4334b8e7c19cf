/**
 * A ReadContext on a real Redis for adapter tests that run in-process (faster than going
 * through the packaged executable; the harness tests cover that path).
 */
import type Redis from 'ioredis';
import type { ReadContext } from '../../pkg/kinds/redis/job-system';
import type { Notice } from '../../pkg/frames/frame';
import { scanKeys } from '../../pkg/kinds/redis/scan';

export function readContext(client: Redis, overrides: Partial<ReadContext> = {}): ReadContext & { notices: Notice[] } {
  const notices: Notice[] = [];
  const now = Date.now();
  return {
    client,
    scan: (match) => scanKeys(client, match),
    clientList: async () => ({ text: (await client.call('CLIENT', 'LIST')) as string, db: client.options.db ?? 0 }),
    now,
    from: now - 3600_000,
    to: now,
    intervalMs: 60_000,
    payloadLimit: 4096,
    limit: 100,
    notice: (severity, text) => notices.push({ severity, text }),
    notices,
    ...overrides,
  };
}
