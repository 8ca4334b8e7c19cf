/**
 * NATS JetStream as a job system. A queue is a consumer of a stream, labelled
 * `<stream>/<consumer>`; its numbers are the consumer info's (overview.ts), dead letters
 * come from advisories captured in a stream (advisories.ts, dead-letters.ts), and waiting or
 * active messages are read from the stream store by sequence (consumer-jobs.ts).
 *
 * Only JetStream manager reads, never a fetch, ack or consumer creation:
 *   $JS.API.STREAM.LIST / STREAM.INFO    streams with their state (consumers.ts)
 *   $JS.API.CONSUMER.LIST.<stream>       paged, one call per stream read (not per consumer)
 *   $JS.API.STREAM.MSG.GET.<stream>      one per consumer with a backlog (oldest_wait_seconds,
 *                                        at most MAX_AGE_LOOKUPS); jobs waiting/active: at
 *                                        most limit + GET_SLACK gets a query
 *   $JS.API.STREAM.INFO.<advisoryStream> with subjects_filter: dead counts, one call
 * At most CONCURRENCY calls of a read are in flight at once.
 */
import { AckPolicy } from 'nats';
import { brokerFailed } from '../../../../errors/errors';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../../../reading/rows';
import type { Series } from '../../../../reading/series';
import { groupFailures } from '../../../../reading/failure-reasons';
import { mapLimit } from '../../../../reading/map-limit';
import type { Discovery, JobsOptions, JobSystem } from '../../../../source/job-system';
import type { OverviewMetric } from '../../../../model/query';
import { natsError } from '../../connection';
import type { NatsContext } from '../../context';
import { advisorySample, deadCounts, NO_ADVISORY_STREAM_NOTICE } from './advisories';
import { consumerJobs, type ConsumerJobs, type ConsumerRef, type MessageGetter } from './consumer-jobs';
import { BOUNDED_LISTING_NOTICE, CONCURRENCY, type Listed, streamCount } from './consumers';
import { deadLetters } from './dead-letters';
import { consumerValues, lastActive, oldestUndeliveredTime } from './overview';
import { getStoredMessage } from './stored-messages';

const MAX_AGE_LOOKUPS = 500;
/** Advisories read at least for grouping failures, whatever the limit of groups. */
const FAILURE_SAMPLES = 500;

export class JetStreamSystem implements JobSystem<NatsContext> {
  readonly id = 'jetstream';
  readonly describe = 'NATS JetStream';

  async discover(ctx: NatsContext): Promise<Discovery> {
    const listed = await ctx.listing.all();
    return { queues: listed.consumers.map((c) => c.label), complete: listed.complete };
  }

  /** The chosen consumers as they are now (one deleted since discovery is left out). */
  private async consumers(ctx: NatsContext, queues: string[]): Promise<Listed> {
    const listed = await ctx.listing.of(queues);
    if (!listed.complete) {
      ctx.notice('warning', BOUNDED_LISTING_NOTICE);
    }
    return listed;
  }

  async overview(ctx: NatsContext, queues: string[]): Promise<QueueStats[]> {
    const listed = await this.consumers(ctx, queues);
    const selected = listed.consumers;
    const wants = (m: OverviewMetric) => !ctx.metrics || ctx.metrics.includes(m);
    const stats: QueueStats[] = selected.map((q) => ({ queue: q.label, values: consumerValues(q.consumer) }));
    let gets = 0;
    if (wants('oldest_wait_seconds')) {
      const backlog = selected.filter((_, i) => stats[i].values.oldest_wait_seconds === undefined);
      if (backlog.length > MAX_AGE_LOOKUPS) {
        ctx.notice(
          'warning',
          `oldest_wait_seconds was read for the first ${MAX_AGE_LOOKUPS} consumers with a backlog only`
        );
      }
      const byLabel = new Map(stats.map((s) => [s.queue, s]));
      await mapLimit(backlog.slice(0, MAX_AGE_LOOKUPS), CONCURRENCY, async (q) => {
        gets++;
        try {
          const t = await oldestUndeliveredTime(ctx.jsm, q.stream, q.consumer);
          if (t !== undefined) {
            byLabel.get(q.label)!.values.oldest_wait_seconds = Math.max(0, (ctx.now - t) / 1000);
          }
        } catch (err) {
          ctx.notice('warning', `${q.label}: oldest message not read (${natsError(err, ctx.settings).message})`);
        }
      });
    }
    let deadNote = '';
    if (wants('dead')) {
      const advisories = ctx.settings.advisoryStream;
      if (advisories) {
        try {
          const counts = await deadCounts(ctx.jsm, advisories);
          for (const s of stats) {
            s.values.dead = counts.get(s.queue) ?? 0;
          }
          deadNote = `, dead = max-deliveries and terminated advisories kept in stream "${advisories}"`;
        } catch (err) {
          ctx.notice(
            'warning',
            `dead left out: advisory stream "${advisories}" not readable (${natsError(err, ctx.settings).message})`
          );
        }
      } else if (ctx.metrics?.includes('dead')) {
        ctx.notice('info', NO_ADVISORY_STREAM_NOTICE);
      }
    }
    ctx.notice(
      'info',
      'JetStream queue = <stream>/<consumer>: wait = pending (not delivered yet), active = awaiting ack, retries = redelivered and unacknowledged, ' +
        'workers = pull requests waiting for messages (idle pull workers; 0 for push consumers), oldest_wait_seconds = age of the oldest message not delivered yet' +
        deadNote +
        '; JetStream keeps no completed/failed counts'
    );
    ctx.executed?.(
      `${listed.streamCalls}, $JS.API.CONSUMER.LIST × ${streamCount(selected)} stream(s), ${gets} STREAM.MSG.GET: ${stats.length} consumer(s)`
    );
    return stats;
  }

  async workers(ctx: NatsContext, queues: string[]): Promise<WorkerRow[]> {
    const selected = (await this.consumers(ctx, queues)).consumers;
    const rows: WorkerRow[] = selected.slice(0, ctx.limit).map((q) => {
      const c = q.consumer;
      return {
        name: q.label,
        queues: [q.label],
        busy: c.num_ack_pending,
        lastHeartbeat: lastActive(c),
        alive: c.push_bound === true || (c.num_waiting ?? 0) > 0 || c.num_ack_pending > 0,
      };
    });
    ctx.notice(
      'info',
      'JetStream does not know its workers: one row per consumer; busy = messages awaiting ack, alive = a push subscriber is bound, a pull request is waiting or messages are being processed' +
        (rows.some((r) => r.lastHeartbeat === undefined)
          ? '; consumers without a delivery or an ack yet have no last activity'
          : '')
    );
    ctx.executed?.(`$JS.API.CONSUMER.LIST for ${streamCount(selected)} stream(s)`);
    return rows;
  }

  async throughput(ctx: NatsContext): Promise<Series[]> {
    ctx.notice(
      'info',
      'JetStream keeps no history of acknowledgements or failures: no time series (use the overview with a Grafana time series panel over refreshes)'
    );
    return [];
  }

  async failures(ctx: NatsContext, queues: string[]): Promise<FailureGroup[]> {
    const dead = await deadLetters(ctx, queues, Math.max(ctx.limit, FAILURE_SAMPLES), undefined);
    return groupFailures(
      dead.map((d) => advisorySample(d.advisory, d.row)),
      ctx.limit
    );
  }

  async jobs(ctx: NatsContext, queues: string[], { state, search }: JobsOptions): Promise<JobRow[]> {
    if (state === 'waiting' || state === 'active') {
      return this.consumerMessages(ctx, queues, state, search);
    }
    if (state === 'dead' || state === 'failed') {
      return (await deadLetters(ctx, queues, ctx.limit, search)).map((d) => d.row);
    }
    ctx.notice(
      'info',
      `JetStream keeps no "${state}" list: ` +
        'jobs can list waiting (not delivered yet), active (delivered, awaiting ack) and dead (advisory stream) messages; failures come from the dead ones'
    );
    ctx.notice('info', 'nothing listed');
    return [];
  }

  /** Waiting or active messages of the chosen consumers, read by sequence (consumer-jobs.ts). */
  private async consumerMessages(
    ctx: NatsContext,
    queues: string[],
    state: 'waiting' | 'active',
    search: string | undefined
  ): Promise<JobRow[]> {
    const listed = await this.consumers(ctx, queues);
    const selected = listed.consumers;
    const getter =
      (stream: string): MessageGetter =>
      (req) =>
        getStoredMessage(ctx.nc, stream, req, ctx.payloadLimit).catch((err) => {
          if ((err as { code?: unknown })?.code === 'PERMISSIONS_VIOLATION') {
            throw brokerFailed(
              `NATS user${ctx.settings.username ? ` "${ctx.settings.username}"` : ''} may not read stored messages: allow publishing to $JS.API.STREAM.MSG.GET.> (read-only, no consumer involved) to list ${state} jobs`
            );
          }
          throw natsError(err, ctx.settings, `stream "${stream}" seq ${req.seq}`);
        });
    const noAck: ConsumerRef[] =
      state === 'active' ? selected.filter((q) => q.consumer.config.ack_policy === AckPolicy.None) : [];
    if (noAck.length > 0) {
      ctx.notice(
        'info',
        `${noAck.map((q) => q.label).join(', ')}: ack policy none, a delivered message counts as acknowledged (nothing is active)`
      );
    }
    let read: ConsumerJobs;
    try {
      read = await consumerJobs(
        getter,
        selected.filter((q) => !noAck.includes(q)),
        state,
        ctx.limit,
        ctx.payloadLimit,
        search,
        (n) => ctx.notice(n.severity, n.text)
      );
    } catch (err) {
      throw natsError(err, ctx.settings);
    }
    ctx.executed?.(
      `${listed.streamCalls}, $JS.API.CONSUMER.LIST × ${streamCount(selected)} stream(s), ` +
        `${read.gets} STREAM.MSG.GET (no delivery, no ack): ${read.rows.length} ${state} message(s) of ${read.consumersRead} consumer(s)`
    );
    return read.rows;
  }
}
