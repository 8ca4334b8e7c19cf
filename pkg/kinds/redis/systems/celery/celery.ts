/**
 * The Celery adapter (Redis broker via kombu, Redis result backend), Celery 5.2–5.7.
 * Settings: `celeryVisibilityTimeout` (seconds, kombu's visibility_timeout transport
 * option, default 3600) decides when an unacknowledged message counts as stalled.
 */
import type { Discovery, JobsOptions, ReadContext, RedisJobSystem } from '../../job-system';
import { execPipeline, value } from '../../job-system';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import {
  Binding,
  BINDING_PREFIX,
  DEFAULT_VISIBILITY_TIMEOUT,
  isControlExchange,
  isControlQueue,
  parseBinding,
} from './keys';
import { escapeGlob } from '../../scan';
import { readOverview } from './overview';
import { listJobs } from './jobs';
import { readResults, resultsForQueues } from './results';
import { readThroughput } from './throughput';
import { DEFAULT_PIDBOX_EXCHANGES, isWorkerPidbox, readWorkers } from './workers';

/** Binding sets larger than this are not task-queue registries (one member per bound queue). */
const MAX_BINDINGS = 10_000;

export class CelerySystem implements RedisJobSystem {
  readonly id = 'celery' as const;
  readonly describe: string;
  /** Bindings from the last discovery: they map an unacked message's exchange/routing key to its queue. */
  private bindings: Binding[] = [];
  private pidboxExchanges: string[] = DEFAULT_PIDBOX_EXCHANGES;

  constructor(private readonly visibilityTimeoutS: number = DEFAULT_VISIBILITY_TIMEOUT) {
    this.describe = `Celery (kombu bindings, visibility timeout ${visibilityTimeoutS} s)`;
  }

  /**
   * SCAN for `_kombu.binding.*` (kombu's queue registry), then SCARD + SMEMBERS per
   * binding set in one pipeline; pidbox and event plumbing is not a task queue.
   */
  async discover(ctx: ReadContext): Promise<Discovery> {
    const { keys, complete } = await ctx.scan(`${escapeGlob(BINDING_PREFIX)}*`);
    const exchanges = keys.map((k) => k.slice(BINDING_PREFIX.length));
    const pidbox = exchanges.filter(isWorkerPidbox);
    this.pidboxExchanges = pidbox.length ? pidbox : DEFAULT_PIDBOX_EXCHANGES;
    const tables = exchanges.filter((x) => !isControlExchange(x));
    if (tables.length === 0) {
      this.bindings = [];
      return { queues: [], complete };
    }
    const p = ctx.client.pipeline();
    tables.forEach((x) => p.scard(`${BINDING_PREFIX}${x}`));
    const cards = await execPipeline(p);
    const reads = ctx.client.pipeline();
    const read: string[] = [];
    tables.forEach((x, i) => {
      const n = value<number>(cards[i]);
      if (typeof n === 'number' && n > 0 && n <= MAX_BINDINGS) {
        reads.smembers(`${BINDING_PREFIX}${x}`);
        read.push(x);
      } else if (typeof n === 'number' && n > MAX_BINDINGS) {
        ctx.notice('warning', `${BINDING_PREFIX}${x} has ${n} members: not read`);
      } else if (cards[i]?.[0]) {
        ctx.notice('warning', `${BINDING_PREFIX}${x}: ${cards[i][0]!.message}`);
      }
    });
    const members = read.length ? await execPipeline(reads) : [];
    const bindings: Binding[] = [];
    read.forEach((exchange, i) => {
      for (const m of value<string[]>(members[i]) ?? []) {
        const b = parseBinding(exchange, m);
        if (b && !isControlQueue(b.queue)) {
          bindings.push(b);
        }
      }
    });
    this.bindings = bindings;
    return { queues: [...new Set(bindings.map((b) => b.queue))].sort(), complete };
  }

  overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]> {
    return readOverview(ctx, queues, this.bindings, this.visibilityTimeoutS);
  }

  async failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]> {
    const { results } = await readResults(ctx);
    const samples = resultsForQueues(ctx, results, queues)
      .filter((r) => r.status === 'FAILURE' && (r.doneAt === undefined || (r.doneAt >= ctx.from && r.doneAt <= ctx.to)))
      .map((r) => ({ queue: r.queue, jobId: r.id, errorClass: r.excType, message: r.excMessage ?? '', at: r.doneAt }));
    return groupFailures(samples, ctx.limit);
  }

  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]> {
    return listJobs(ctx, queues, options, this.bindings, this.visibilityTimeoutS);
  }

  throughput(ctx: ReadContext, queues: string[]): Promise<Series[]> {
    return readThroughput(ctx, queues);
  }

  workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]> {
    return queues.length === 0 ? Promise.resolve([]) : readWorkers(ctx, this.pidboxExchanges);
  }
}
