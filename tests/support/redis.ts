/**
 * Test isolation on the shared Redis: each test file works under its own key prefix in a
 * test database and deletes only keys under that prefix afterwards.
 */
import Redis from 'ioredis';
import { randomBytes } from 'crypto';

const base = new URL(process.env.JOBSCOPE_REDIS_URL || 'redis://127.0.0.1:6379');
export const TEST_DB = Number(process.env.JOBSCOPE_TEST_REDIS_DB || 9);
export const REDIS_HOST = base.hostname;
export const REDIS_PORT = Number(base.port || 6379);
export const REDIS_URL = `redis://${REDIS_HOST}:${REDIS_PORT}/${TEST_DB}`;

export function uniquePrefix(name: string): string {
  return `jstest-${name}-${randomBytes(4).toString('hex')}`;
}

export function bullConnection() {
  return { host: REDIS_HOST, port: REDIS_PORT, db: TEST_DB, maxRetriesPerRequest: null };
}

export function testRedis(): Redis {
  return new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: TEST_DB });
}

/** Deletes every key under `prefix:` (and nothing else). */
export async function deletePrefix(prefix: string): Promise<number> {
  const r = testRedis();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        deleted += await r.unlink(...keys);
      }
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return deleted;
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
