/**
 * The Bull 3/4 adapter (npm `bull`). It shares BullMQ's prefix setting, job hashes,
 * completed/failed sets, metrics lists and worker naming, so it reuses bullmq/'s readers
 * for those; what differs (where queues and states live) is in this folder.
 */
import type { Discovery, JobsOptions, ReadContext, RedisJobSystem } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { BULLMQ_META_FIELDS, isBullMQMeta } from '../bullmq/keys';
import { readThroughput } from '../bullmq/throughput';
import { addWorkerCounts, readWorkers } from '../bullmq/workers';
import { queueFromKey, queueKey, queueKeyPattern } from './keys';
import { readBullOverview } from './overview';
import { bullFailureGroups, listBullJobs } from './jobs';

export class BullSystem implements RedisJobSystem {
  readonly id = 'bull' as const;
  readonly describe: string;

  constructor(private readonly prefix: string) {
    this.describe = `Bull under prefix "${prefix}"`;
  }

  /**
   * SCAN for `<prefix>:*:id` (the job counter every Bull queue INCRs), then per candidate
   * one TYPE (the counter is a string; a job hash whose custom id ends in `:id` is not) and
   * one HMGET of the meta hash: BullMQ queues, which also keep an `id` counter, record
   * their version there; Bull writes at most `paused` in it. So each queue under a shared
   * prefix is listed by exactly one of the two systems.
   */
  async discover(ctx: ReadContext): Promise<Discovery> {
    const { keys, complete } = await ctx.scan(queueKeyPattern(this.prefix, 'id'));
    const candidates = keys.map((k) => queueFromKey(this.prefix, k, 'id')).filter((q): q is string => q !== undefined);
    if (candidates.length === 0) {
      return { queues: [], complete };
    }
    const p = ctx.client.pipeline();
    for (const q of candidates) {
      p.type(queueKey(this.prefix, q, 'id'));
      p.hmget(queueKey(this.prefix, q, 'meta'), ...BULLMQ_META_FIELDS);
    }
    const replies = await execPipeline(p);
    const queues = candidates.filter(
      (_, i) => value(replies[i * 2]) === 'string' && !isBullMQMeta(value<Array<string | null>>(replies[i * 2 + 1]))
    );
    return { queues: queues.sort(), complete };
  }

  async overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]> {
    const stats = await readBullOverview(ctx, this.prefix, queues);
    return addWorkerCounts(ctx, this.prefix, queues, stats, 'Bull worker count unavailable');
  }

  failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]> {
    return bullFailureGroups(ctx, this.prefix, queues);
  }

  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    return listBullJobs(ctx, this.prefix, queues, options);
  }

  throughput(ctx: ReadContext, queues: string[]): Promise<Series[]> {
    return readThroughput(ctx, this.prefix, queues, 'bull');
  }

  /**
   * Bull names each processing connection `<prefix>:<base64(queue)>` (worker.js
   * setWorkerName, called by Queue#process), the name Queue#getWorkers() looks for in
   * CLIENT LIST; one CLIENT LIST serves every queue. Unlike getWorkers(), which matches
   * by prefix of the name, the match here is exact, so queue "abc" does not count the
   * workers of "abcd" (base64 "YWJj" is a prefix of "YWJjZA==").
   */
  workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]> {
    return readWorkers(ctx, this.prefix, queues);
  }
}
