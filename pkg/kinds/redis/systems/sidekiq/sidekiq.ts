/**
 * The Sidekiq adapter (6.x, 7.x and 8.x layouts, optionally under a redis-namespace
 * prefix). Read-only: never Sidekiq's own API (ProcessSet.new cleans up, Queue#clear
 * deletes…), only the read commands listed in each file's header.
 */
import type { Discovery, JobsOptions, ReadContext, RedisJobSystem } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import { sidekiqKey } from './keys';
import { readOverview } from './overview';
import { failureSamples, listJobs } from './jobs';
import { readThroughput } from './throughput';
import { readProcesses } from './processes';

export class SidekiqSystem implements RedisJobSystem {
  readonly id = 'sidekiq' as const;
  readonly describe: string;

  private readonly namespace: string;

  constructor(namespace = '') {
    // redis-namespace joins with ":"; accept the setting written with its trailing colon.
    this.namespace = namespace.trim().replace(/:$/, '');
    this.describe = this.namespace ? `Sidekiq under namespace "${this.namespace}"` : 'Sidekiq (no namespace)';
  }

  /** SMEMBERS queues: the registry Sidekiq's client SADDs to on every push (Queue.all). */
  async discover(ctx: ReadContext): Promise<Discovery> {
    const p = ctx.client.pipeline();
    p.smembers(sidekiqKey(this.namespace, 'queues'));
    const [reply] = await execPipeline(p);
    if (reply?.[0]) {
      ctx.notice('warning', `${this.describe}: queues: ${reply[0].message}`);
      return { queues: [], complete: true };
    }
    return { queues: (value<string[]>(reply) ?? []).sort(), complete: true };
  }

  overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]> {
    return readOverview(ctx, this.namespace, queues);
  }

  async failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]> {
    const samples = await failureSamples(ctx, this.namespace, queues, FAILURE_SAMPLE);
    return groupFailures(samples, ctx.limit);
  }

  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    return listJobs(ctx, this.namespace, queues, options);
  }

  /** Sidekiq counts throughput for all queues together: the same series whatever the queues. */
  throughput(ctx: ReadContext, _queues: string[] = []): Promise<Series[]> {
    return readThroughput(ctx, this.namespace);
  }

  /** Processes serving any of the queues; a stale one (no beat for 30 s) is not alive. */
  async workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]> {
    const wanted = new Set(queues);
    const procs = await readProcesses(ctx, this.namespace, false);
    return procs
      .filter((pr) => pr.queues.some((q) => wanted.has(q)))
      .map((pr) => ({
        name: pr.quiet ? `${pr.identity} (quiet)` : pr.identity,
        host: typeof pr.info.hostname === 'string' ? pr.info.hostname : undefined,
        pid: Number(pr.info.pid) || undefined,
        queues: pr.queues,
        busy: pr.busy,
        concurrency: pr.concurrency,
        lastHeartbeat: pr.beat,
        alive: pr.alive,
        startedAt: pr.startedAt,
      }));
  }
}

/** Entries of the retry and of the dead set read to group failures (each set is shared by all queues). */
export const FAILURE_SAMPLE = 1000;
