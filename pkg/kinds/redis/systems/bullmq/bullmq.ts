/** The BullMQ adapter (v5 and v6 layouts): everything above it is library-agnostic. */
import type { Discovery, JobsOptions, ReadContext, RedisJobSystem } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { BULLMQ_META_FIELDS, isBullMQMeta, queueFromKey, queueKey, queueKeyPattern } from './keys';
import { readOverview } from './overview';
import { failureGroups, listJobs } from './jobs';
import { readThroughput } from './throughput';
import { addWorkerCounts, readWorkers } from './workers';

export class BullMQSystem implements RedisJobSystem {
  readonly id = 'bullmq' as const;
  readonly describe: string;

  constructor(private readonly prefix: string) {
    this.describe = `BullMQ under prefix "${prefix}"`;
  }

  /**
   * SCAN for `<prefix>:*:meta`, then one HMGET per candidate: BullMQ records its version
   * there ("bullmq:6.7.0"); Bull 3/4 queues under the same prefix do not.
   */
  async discover(ctx: ReadContext): Promise<Discovery> {
    const { keys, complete } = await ctx.scan(queueKeyPattern(this.prefix, 'meta'));
    const candidates = keys
      .map((k) => queueFromKey(this.prefix, k, 'meta'))
      .filter((q): q is string => q !== undefined);
    if (candidates.length === 0) {
      return { queues: [], complete };
    }
    const p = ctx.client.pipeline();
    candidates.forEach((q) => p.hmget(queueKey(this.prefix, q, 'meta'), ...BULLMQ_META_FIELDS));
    const replies = await execPipeline(p);
    const queues = candidates.filter((_, i) => isBullMQMeta(value<Array<string | null>>(replies[i])));
    return { queues: queues.sort(), complete };
  }

  async overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]> {
    const stats = await readOverview(ctx, this.prefix, queues);
    return addWorkerCounts(ctx, this.prefix, queues, stats, 'worker count unavailable');
  }

  failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]> {
    return failureGroups(ctx, this.prefix, queues);
  }

  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    return listJobs(ctx, this.prefix, queues, options);
  }

  throughput(ctx: ReadContext, queues: string[]): Promise<Series[]> {
    return readThroughput(ctx, this.prefix, queues);
  }

  workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]> {
    return readWorkers(ctx, this.prefix, queues);
  }
}
