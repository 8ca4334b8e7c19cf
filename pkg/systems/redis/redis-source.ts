/**
 * The `redis` data source kind: one connection, queue discovery cached per system, and
 * the readers of each Redis-based job system (BullMQ for now).
 */
import type Redis from 'ioredis';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../protocol/logger';
import type { JobscopeQuery, OverviewMetric } from '../../query/model';
import { OVERVIEW_METRICS } from '../../query/model';
import { queueFilter } from '../../query/parse';
import type { InstantValue } from '../../frames/dataplane';
import type { Notice } from '../../frames/frame';
import { JobscopeError } from '../../errors/errors';
import type { HealthReport, OverviewResult, QueueRef, QueueSource } from '../source';
import { createRedis, describeRedisError, redisOptions } from './connection';
import { scanKeys } from './scan';
import { DEFAULT_PREFIX, metaKeyPattern, queueFromMetaKey } from '../bullmq/keys';
import { readOverview } from '../bullmq/overview';

/** Queue lists change rarely; rediscover at most this often. */
const DISCOVERY_TTL_MS = 30_000;

export class RedisSource implements QueueSource {
  private readonly client: Redis;
  private readonly lastError: () => Error | undefined;
  private readonly url: string;
  private readonly prefix: string;
  private readonly pattern: (name: string) => boolean;
  private discovery?: { at: number; queues: Promise<{ names: string[]; complete: boolean }> };

  constructor(config: DatasourceConfig, log: Logger) {
    this.url = redisOptions(config).url;
    ({ client: this.client, lastError: this.lastError } = createRedis(config, log));
    this.prefix = config.json.bullPrefix || DEFAULT_PREFIX;
    this.pattern = queueFilter(config.json.discoveryPattern ? [config.json.discoveryPattern] : []);
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      if (this.client.status === 'wait' || this.client.status === 'end') {
        await this.client.connect().catch((err: Error) => {
          // connect() rejects if another call already started connecting; that is fine.
          if (!/already connecting|already connected/.test(err.message)) {
            throw err;
          }
        });
      }
      return await fn();
    } catch (err) {
      if (err instanceof JobscopeError) {
        throw err;
      }
      // "Connection is closed." says nothing; the connection's own error says why.
      const cause = /Connection is closed|max retries/i.test((err as Error).message) ? (this.lastError() ?? err) : err;
      throw describeRedisError(cause as Error, this.url);
    }
  }

  async checkHealth(): Promise<HealthReport> {
    return this.call(async () => {
      const info = await this.client.info('server');
      const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown version';
      const { names, complete } = await this.bullmqQueues(true);
      const notices = complete ? [] : ['queue discovery stopped early on a very large keyspace; some queues may be missing'];
      return { server: `Redis ${version}`, systems: { bullmq: names.length }, notices };
    });
  }

  async listQueues(): Promise<QueueRef[]> {
    const { names } = await this.call(() => this.bullmqQueues(false));
    return names.map((queue) => ({ system: 'bullmq', queue }));
  }

  async overview(query: JobscopeQuery, now: number): Promise<OverviewResult> {
    return this.call(async () => {
      const notices: Notice[] = [];
      if (query.system && query.system !== 'bullmq') {
        notices.push({ severity: 'warning', text: `system "${query.system}" is not read yet by this version of Jobscope` });
        return { values: [], notices, executed: `no ${query.system} reader` };
      }
      const { names, complete } = await this.bullmqQueues(false);
      if (!complete) {
        notices.push({ severity: 'warning', text: 'queue discovery stopped early on a very large keyspace; some queues may be missing' });
      }
      const wanted = names.filter(queueFilter(query.queues));
      const read = await readOverview(this.client, this.prefix, wanted);
      read.problems.slice(0, 20).forEach((text) => notices.push({ severity: 'warning', text }));
      const metrics = new Set<OverviewMetric>(query.metrics?.length ? query.metrics : OVERVIEW_METRICS);
      const values: InstantValue[] = [];
      for (const q of read.queues) {
        const labels = { system: 'bullmq', queue: q.queue };
        const all: Record<OverviewMetric, number | undefined> = {
          ...q.counts,
          queue_paused: q.isPaused ? 1 : 0,
          oldest_wait_seconds: q.oldestWaitingSince === undefined ? 0 : Math.max(0, (now - q.oldestWaitingSince) / 1000),
        };
        for (const metric of OVERVIEW_METRICS) {
          if (metrics.has(metric)) {
            const config = metric === 'oldest_wait_seconds' ? { unit: 's' } : undefined;
            values.push({ metric, labels, value: all[metric] ?? 0, config });
          }
        }
      }
      return {
        values,
        notices,
        executed: `BullMQ overview of ${wanted.length} queue(s) under prefix "${this.prefix}" (2 pipelined round trips)`,
      };
    });
  }

  private bullmqQueues(fresh: boolean): Promise<{ names: string[]; complete: boolean }> {
    const now = Date.now();
    if (fresh || !this.discovery || now - this.discovery.at > DISCOVERY_TTL_MS) {
      const queues = scanKeys(this.client, metaKeyPattern(this.prefix)).then(({ keys, complete }) => ({
        names: keys
          .map((k) => queueFromMetaKey(this.prefix, k))
          .filter((q): q is string => q !== undefined && this.pattern(q))
          .sort(),
        complete,
      }));
      this.discovery = { at: now, queues };
      queues.catch(() => (this.discovery = undefined));
    }
    return this.discovery!.queues;
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
