/**
 * Overview of many BullMQ queues in two pipelined round trips, whatever their number:
 *   1. per queue: LLEN ×3, ZCARD ×5, HMGET meta, LINDEX wait -1 / paused -1  — all O(1)
 *   2. per queue with a waiting job: HGET <jobId> timestamp                 — O(1)
 * Read-only commands only; nothing here runs a library script.
 */
import type Redis from 'ioredis';
import { queueKey } from './keys';

export interface QueueOverview {
  queue: string;
  /** Library version recorded in meta (e.g. "bullmq:6.7.0"), when present. */
  version?: string;
  counts: {
    wait: number;
    paused: number;
    active: number;
    delayed: number;
    prioritized: number;
    waiting_children: number;
    completed: number;
    failed: number;
  };
  isPaused: boolean;
  /** Enqueue time (epoch ms) of the oldest job waiting to run, if any. */
  oldestWaitingSince?: number;
}

const LISTS = ['wait', 'paused', 'active'] as const;
const ZSETS = ['delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;
const PER_QUEUE = LISTS.length + ZSETS.length + 3;

type Reply = [Error | null, unknown];

function num(reply: Reply | undefined): number {
  if (!reply || reply[0]) {
    return 0;
  }
  return Number(reply[1]) || 0;
}

export interface OverviewRead {
  queues: QueueOverview[];
  /** Per-queue problems (a key of the wrong type, a vanished job) that left a value out. */
  problems: string[];
}

export async function readOverview(client: Redis, prefix: string, queues: string[]): Promise<OverviewRead> {
  const problems: string[] = [];
  if (queues.length === 0) {
    return { queues: [], problems };
  }
  const first = client.pipeline();
  for (const q of queues) {
    LISTS.forEach((l) => first.llen(queueKey(prefix, q, l)));
    ZSETS.forEach((z) => first.zcard(queueKey(prefix, q, z)));
    first.hmget(queueKey(prefix, q, 'meta'), 'paused', 'version');
    first.lindex(queueKey(prefix, q, 'wait'), -1);
    first.lindex(queueKey(prefix, q, 'paused'), -1);
  }
  const replies = ((await first.exec()) ?? []) as Reply[];

  const result: QueueOverview[] = queues.map((queue, i) => {
    const r = replies.slice(i * PER_QUEUE, (i + 1) * PER_QUEUE);
    r.forEach((reply, j) => {
      if (reply[0]) {
        problems.push(`${queue}: ${reply[0].message} (reading ${[...LISTS, ...ZSETS, 'meta', 'wait', 'paused'][j]})`);
      }
    });
    const [meta] = r.slice(LISTS.length + ZSETS.length);
    const [paused, version] = (meta && !meta[0] ? (meta[1] as (string | null)[]) : [null, null]) ?? [];
    return {
      queue,
      version: version ?? undefined,
      counts: {
        wait: num(r[0]),
        paused: num(r[1]),
        active: num(r[2]),
        delayed: num(r[3]),
        prioritized: num(r[4]),
        waiting_children: num(r[5]),
        completed: num(r[6]),
        failed: num(r[7]),
      },
      isPaused: paused === '1',
    };
  });

  // The oldest waiting job sits at the right end of wait (or of paused, in v5 layouts).
  const oldest = queues.map((q, i) => {
    const base = i * PER_QUEUE + LISTS.length + ZSETS.length + 1;
    const id = [replies[base], replies[base + 1]].find((r) => r && !r[0] && typeof r[1] === 'string');
    return id ? (id[1] as string) : undefined;
  });
  const second = client.pipeline();
  const asked: number[] = [];
  oldest.forEach((id, i) => {
    if (id !== undefined) {
      second.hget(queueKey(prefix, queues[i], id), 'timestamp');
      asked.push(i);
    }
  });
  if (asked.length > 0) {
    const stamps = ((await second.exec()) ?? []) as Reply[];
    stamps.forEach((reply, j) => {
      const q = result[asked[j]];
      const ts = reply && !reply[0] && reply[1] !== null ? Number(reply[1]) : NaN;
      if (Number.isFinite(ts)) {
        q.oldestWaitingSince = ts;
      } else {
        // The job finished or was removed between the two reads, or its hash is damaged.
        problems.push(`${q.queue}: the oldest waiting job has no readable timestamp`);
      }
    });
  }
  return { queues: result, problems };
}
