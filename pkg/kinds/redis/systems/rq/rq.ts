/** The RQ adapter (1.x and 2.x/3.x layouts): everything above it is library-agnostic. */
import type { Discovery, JobsOptions, ReadContext, RedisJobSystem } from '../../job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import { DEFAULT_PREFIX, queueFromKey, rqKeys } from './keys';
import type { RqKeys } from './keys';
import { readOverview } from './overview';
import { failureSamples, listJobs } from './jobs';
import { readThroughput } from './throughput';
import { readWorkers } from './workers';

/** Failures read per queue for grouping. */
export const FAILURE_SAMPLE = 500;
/** Queues registered in rq:queues read at most (SSCAN, bounded). */
export const MAX_QUEUES = 10_000;

export class RQSystem implements RedisJobSystem {
  readonly id = 'rq' as const;
  readonly describe: string;
  private readonly keys: RqKeys;

  /** `prefix` is RQ_KEY_PREFIX (RQ 3.x; always "rq" before). */
  constructor(private readonly prefix: string = DEFAULT_PREFIX) {
    this.describe = `RQ under prefix "${prefix}"`;
    this.keys = rqKeys(prefix);
  }

  /** Queue.all(): the rq:queues set of queue keys, read with SSCAN in bounded pages. */
  async discover(ctx: ReadContext): Promise<Discovery> {
    const found = new Set<string>();
    let cursor = '0';
    let calls = 0;
    do {
      const reply = await ctx.client.sscan(this.keys.queues, cursor, 'COUNT', 1000).catch((err: Error) => {
        ctx.notice('warning', `${this.keys.queues}: ${err.message}`);
        return ['0', []] as [string, string[]];
      });
      cursor = String(reply[0]);
      for (const k of reply[1]) {
        const q = queueFromKey(this.prefix, k);
        if (q !== undefined) {
          found.add(q);
        }
      }
      calls++;
    } while (cursor !== '0' && found.size < MAX_QUEUES && calls < 1000);
    return { queues: [...found].sort(), complete: cursor === '0' };
  }

  async overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]> {
    const stats = await readOverview(ctx, this.keys, this.prefix, queues);
    if (stats.some((s) => s.values.queue_paused === 1)) {
      ctx.notice('info', `RQ workers are suspended (${this.keys.suspended}): queue_paused is 1 for every queue`);
    }
    return stats;
  }

  async failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]> {
    const samples = await failureSamples(ctx, this.keys, queues, FAILURE_SAMPLE);
    if (samples.length >= FAILURE_SAMPLE) {
      ctx.notice('info', `grouped the newest ${FAILURE_SAMPLE} failures per queue in the time range`);
    }
    return groupFailures(samples, ctx.limit);
  }

  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    return listJobs(ctx, this.keys, queues, options);
  }

  throughput(ctx: ReadContext, queues: string[]): Promise<Series[]> {
    return readThroughput(ctx, this.keys, queues);
  }

  workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]> {
    return readWorkers(ctx, this.keys, this.prefix, queues);
  }
}
