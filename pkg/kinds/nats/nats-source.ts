/**
 * The `nats` data source kind (NATS JetStream), system `jetstream`. A queue is a consumer
 * of a stream, labelled `<stream>/<consumer>` (neither name can hold a "/").
 *
 * Only JetStream manager reads, never a fetch, ack or consumer creation:
 *   $JS.API.STREAM.LIST                  paged (256 a page), stream info with state
 *   $JS.API.CONSUMER.LIST.<stream>       paged, one call per selected stream (not per consumer)
 *   $JS.API.STREAM.MSG.GET.<stream>      one per consumer with a backlog (oldest_wait_seconds)
 *   $JS.API.STREAM.INFO.<advisoryStream> with subjects_filter: dead counts, one call
 *   jobs waiting/active: STREAM.MSG.GET by sequence from the consumer's delivered / ack floor
 *   position (consumer-jobs.ts), at most limit + GET_SLACK gets a query
 * A refresh of N consumers in S streams costs 1 + S list calls plus at most one message
 * get per consumer with a backlog (capped at MAX_AGE_LOOKUPS).
 */
import { AckPolicy } from 'nats';
import type { ConsumerInfo, StreamInfo } from 'nats';
import type { DatasourceConfig } from '../../instances/settings';
import type { Logger } from '../../logging/logger';
import type { JobscopeQuery } from '../../model/query';
import { queueFilter } from '../../query/parse';
import type { Notice } from '../../reading/notice';
import { badRequest, brokerFailed, notFound } from '../../errors/errors';
import type { HealthReport, QueryWindow, QueueRef, QueueSource } from '../../source/queue-source';
import type { ReadResult } from '../../reading/results';
import type { JobRow, QueueStats, WorkerRow } from '../../reading/rows';
import { groupFailures } from '../../reading/failure-reasons';
import { natsSettings, NatsSettings } from './settings';
import { NatsConnector, natsError } from './connection';
import { consumerValues, lastActive, oldestUndeliveredTime } from './systems/jetstream/overview';
import {
  advisoryRow,
  advisorySample,
  deadCounts,
  NO_ADVISORY_STREAM_NOTICE,
  originalMessage,
  recentAdvisories,
} from './systems/jetstream/advisories';
import { addNotice, emptyResult } from '../../reading/results';
import { getStoredMessage } from './systems/jetstream/stored-messages';
import { consumerJobs, ConsumerJobs, MessageGetter } from './systems/jetstream/consumer-jobs';

const SYSTEM = 'jetstream';
const DEFAULT_LIMIT = 100;
const MAX_STREAMS = 1_000;
const MAX_CONSUMERS = 5_000;
const MAX_AGE_LOOKUPS = 500;
const CONCURRENCY = 16;

interface Selected {
  label: string;
  stream: StreamInfo;
  consumer: ConsumerInfo;
}

async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, run));
  return out;
}

export class NatsSource implements QueueSource {
  private readonly s: NatsSettings;
  private readonly conn: NatsConnector;

  constructor(config: DatasourceConfig, _log: Logger) {
    this.s = natsSettings(config);
    this.conn = new NatsConnector(this.s);
  }

  private async jsm() {
    return (await this.conn.get()).jsm;
  }

  /** Streams (with state) in name order, at most MAX_STREAMS, optionally only those named. */
  private async streams(names: Set<string> | undefined, notice: (n: Notice) => void): Promise<StreamInfo[]> {
    const jsm = await this.jsm();
    try {
      if (names && names.size <= 10) {
        // Literal queue names: ask for those streams only (a missing one is simply absent).
        const infos = await Promise.all(
          [...names].map((n) =>
            jsm.streams.info(n).catch((err) => (natsError(err).status === 404 ? undefined : Promise.reject(err)))
          )
        );
        return infos.filter((i): i is StreamInfo => !!i);
      }
      const out: StreamInfo[] = [];
      for await (const si of jsm.streams.list()) {
        if (out.length >= MAX_STREAMS) {
          notice({
            severity: 'warning',
            text: `more than ${MAX_STREAMS} streams: only the first ${MAX_STREAMS} were read; narrow the queues`,
          });
          break;
        }
        if (!names || names.has(si.config.name)) {
          out.push(si);
        }
      }
      return out.sort((a, b) => a.config.name.localeCompare(b.config.name));
    } catch (err) {
      throw natsError(err, this.s, 'listing streams');
    }
  }

  private async consumersOf(streams: StreamInfo[], notice: (n: Notice) => void): Promise<Selected[]> {
    const jsm = await this.jsm();
    let total = 0;
    const lists = await mapLimit(streams, CONCURRENCY, async (stream) => {
      const out: Selected[] = [];
      try {
        for await (const ci of jsm.consumers.list(stream.config.name)) {
          if (total >= MAX_CONSUMERS) {
            notice({
              severity: 'warning',
              text: `more than ${MAX_CONSUMERS} consumers: the rest were not read; narrow the queues`,
            });
            break;
          }
          total++;
          out.push({ label: `${stream.config.name}/${ci.name}`, stream, consumer: ci });
        }
      } catch (err) {
        const e = natsError(err, this.s, `stream "${stream.config.name}"`);
        if (e.status !== 404) {
          throw e;
        }
        // deleted between the listing and now
      }
      return out;
    });
    return lists.flat().sort((a, b) => a.label.localeCompare(b.label));
  }

  /**
   * The consumers a query covers. A literal `<stream>/<consumer>` that does not exist is a
   * 404 when it is all the query named, else a notice.
   */
  private async select(query: JobscopeQuery, notice: (n: Notice) => void): Promise<Selected[]> {
    const patterns = query.queues ?? [];
    const literals = patterns.filter((q) => !/[*?]/.test(q));
    // Stream names a query can touch, when every pattern pins its stream part.
    const streamParts = patterns.map((p) => p.split('/')[0]);
    const pinned =
      patterns.length > 0 && patterns.every((p) => p.includes('/')) && streamParts.every((s) => !/[*?]/.test(s));
    const streams = await this.streams(pinned ? new Set(streamParts) : undefined, notice);
    const wanted = queueFilter(query.queues);
    const selected = (await this.consumersOf(streams, notice)).filter((q) => wanted(q.label));
    const missing = literals.filter((name) => !selected.some((q) => q.label === name));
    if (missing.length > 0) {
      const text = `queue ${missing.map((q) => `"${q}"`).join(', ')} not found (a JetStream queue is <stream>/<consumer>, e.g. ORDERS/worker)`;
      if (missing.length === patterns.length) {
        throw notFound(text);
      }
      notice({ severity: 'warning', text });
    }
    return selected;
  }

  async checkHealth(): Promise<HealthReport> {
    const { nc, jsm } = await this.conn.get();
    let account;
    try {
      account = await jsm.getAccountInfo();
    } catch (err) {
      throw natsError(err, this.s, 'JetStream account info');
    }
    const notices = [`JetStream account: ${account.streams} stream(s), ${account.consumers} consumer(s)`];
    if (this.s.advisoryStream) {
      try {
        await jsm.streams.info(this.s.advisoryStream);
      } catch (err) {
        const e = natsError(err, this.s);
        if (e.status !== 404) {
          throw e;
        }
        notices.push(
          `advisory stream "${this.s.advisoryStream}" does not exist: dead messages cannot be shown. ${NO_ADVISORY_STREAM_NOTICE}`
        );
      }
    } else {
      notices.push(NO_ADVISORY_STREAM_NOTICE);
    }
    const info = nc.info;
    return {
      server: `NATS ${info?.version ?? 'unknown version'}${info?.server_name ? ` (${info.server_name})` : ''} with JetStream (${account.streams} stream${account.streams === 1 ? '' : 's'}, ${account.consumers} consumer${account.consumers === 1 ? '' : 's'})`,
      systems: account.consumers > 0 ? { [SYSTEM]: account.consumers } : {},
      notices,
    };
  }

  async listQueues(): Promise<QueueRef[]> {
    const selected = await this.consumersOf(await this.streams(undefined, () => undefined), () => undefined);
    return selected.map((q) => ({ system: SYSTEM, queue: q.label }));
  }

  async read(query: JobscopeQuery, window: QueryWindow): Promise<ReadResult> {
    const notices: Notice[] = [];
    const notice = (n: Notice) => addNotice(notices, n);
    const type = query.queryType ?? 'overview';
    if (query.system && query.system !== SYSTEM) {
      notice({ severity: 'info', text: `system "${query.system}" is not served by a NATS JetStream data source` });
      return emptyResult(type, notices);
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    switch (type) {
      case 'overview':
        return this.overview(query, window, notice, notices);
      case 'workers': {
        const selected = await this.select(query, notice);
        const rows: Array<WorkerRow & { system: string }> = selected.slice(0, limit).map((q) => {
          const c = q.consumer;
          return {
            system: SYSTEM,
            name: q.label,
            queues: [q.label],
            busy: c.num_ack_pending,
            lastHeartbeat: lastActive(c),
            alive: c.push_bound === true || (c.num_waiting ?? 0) > 0 || c.num_ack_pending > 0,
          };
        });
        notice({
          severity: 'info',
          text:
            'JetStream does not know its workers: one row per consumer; busy = messages awaiting ack, alive = a push subscriber is bound, a pull request is waiting or messages are being processed' +
            (rows.some((r) => r.lastHeartbeat === undefined) ? '; consumers without a delivery or an ack yet have no last activity' : ''),
        });
        return {
          type: 'workers',
          rows,
          notices,
          executed: `$JS.API.CONSUMER.LIST for ${new Set(selected.map((q) => q.stream.config.name)).size} stream(s)`,
        };
      }
      case 'timeseries':
        notice({
          severity: 'info',
          text: 'JetStream keeps no history of acknowledgements or failures: no time series (use the overview with a Grafana time series panel over refreshes)',
        });
        return { type: 'timeseries', series: [], notices, executed: 'nothing' };
      case 'jobs':
      case 'failures': {
        const state = query.state ?? 'dead';
        if (type === 'jobs' && (state === 'waiting' || state === 'active')) {
          return this.consumerMessages(query, state, limit, notice, notices);
        }
        if (state !== 'dead' && state !== 'failed') {
          notice({
            severity: 'info',
            text:
              `JetStream keeps no "${state}" ${type === 'jobs' ? 'list' : 'failures'}: ` +
              'jobs can list waiting (not delivered yet), active (delivered, awaiting ack) and dead (advisory stream) messages; failures come from the dead ones',
          });
          notice({ severity: 'info', text: 'nothing listed' });
          return emptyResult(type, notices);
        }
        const dead = await this.deadMessages(query, type === 'failures' ? Math.max(limit, 500) : limit, notice);
        if (type === 'jobs') {
          return {
            type: 'jobs',
            rows: dead.rows.map((r) => ({ ...r.row, system: SYSTEM })),
            notices,
            executed: dead.executed,
          };
        }
        const samples = dead.rows.map((r) => advisorySample(r.advisory, r.row));
        return {
          type: 'failures',
          groups: groupFailures(samples, limit).map((g) => ({ ...g, system: SYSTEM })),
          notices,
          executed: dead.executed,
        };
      }
      default:
        throw badRequest(`query type "${query.queryType}" is answered by listQueues()`);
    }
  }

  private async overview(
    query: JobscopeQuery,
    window: QueryWindow,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const selected = await this.select(query, notice);
    const jsm = await this.jsm();
    const wants = (m: string) => !query.metrics?.length || query.metrics.includes(m as never);
    const stats: Array<QueueStats & { system: string }> = selected.map((q) => ({
      system: SYSTEM,
      queue: q.label,
      values: consumerValues(q.consumer),
    }));
    let gets = 0;
    if (wants('oldest_wait_seconds')) {
      const backlog = stats.filter((s) => s.values.oldest_wait_seconds === undefined);
      if (backlog.length > MAX_AGE_LOOKUPS) {
        notice({
          severity: 'warning',
          text: `oldest_wait_seconds was read for the first ${MAX_AGE_LOOKUPS} consumers with a backlog only`,
        });
      }
      const bySel = new Map(selected.map((q) => [q.label, q]));
      await mapLimit(backlog.slice(0, MAX_AGE_LOOKUPS), CONCURRENCY, async (s) => {
        const q = bySel.get(s.queue)!;
        gets++;
        try {
          const t = await oldestUndeliveredTime(jsm, q.stream, q.consumer);
          if (t !== undefined) {
            s.values.oldest_wait_seconds = Math.max(0, (window.now - t) / 1000);
          }
        } catch (err) {
          notice({
            severity: 'warning',
            text: `${s.queue}: oldest message not read (${natsError(err, this.s).message})`,
          });
        }
      });
    }
    let deadNote = '';
    if (wants('dead')) {
      if (this.s.advisoryStream) {
        try {
          const counts = await deadCounts(jsm, this.s.advisoryStream);
          for (const s of stats) {
            s.values.dead = counts.get(s.queue) ?? 0;
          }
          deadNote = `, dead = max-deliveries and terminated advisories kept in stream "${this.s.advisoryStream}"`;
        } catch (err) {
          const e = natsError(err, this.s);
          notice({
            severity: 'warning',
            text: `dead left out: advisory stream "${this.s.advisoryStream}" not readable (${e.message})`,
          });
        }
      } else if (query.metrics?.includes('dead')) {
        notice({ severity: 'info', text: NO_ADVISORY_STREAM_NOTICE });
      }
    }
    notice({
      severity: 'info',
      text:
        'JetStream queue = <stream>/<consumer>: wait = pending (not delivered yet), active = awaiting ack, retries = redelivered and unacknowledged, ' +
        'workers = pull requests waiting for messages (idle pull workers; 0 for push consumers), oldest_wait_seconds = age of the oldest message not delivered yet' +
        deadNote +
        '; JetStream keeps no completed/failed counts',
    });
    const streams = new Set(selected.map((q) => q.stream.config.name)).size;
    return {
      type: 'overview',
      stats,
      notices,
      executed: `$JS.API.STREAM.LIST, $JS.API.CONSUMER.LIST × ${streams} stream(s), ${gets} STREAM.MSG.GET: ${stats.length} consumer(s)`,
    };
  }

  /** Waiting or active messages of the selected consumers, read by sequence (consumer-jobs.ts). */
  private async consumerMessages(
    query: JobscopeQuery,
    state: 'waiting' | 'active',
    limit: number,
    notice: (n: Notice) => void,
    notices: Notice[]
  ): Promise<ReadResult> {
    const selected = await this.select(query, notice);
    const nc = (await this.conn.get()).nc;
    const getter = (stream: string): MessageGetter => (req) =>
      getStoredMessage(nc, stream, req, this.s.payloadLimit).catch((err) => {
        if ((err as { code?: unknown })?.code === 'PERMISSIONS_VIOLATION') {
          throw brokerFailed(
            `NATS user${this.s.username ? ` "${this.s.username}"` : ''} may not read stored messages: allow publishing to $JS.API.STREAM.MSG.GET.> (read-only, no consumer involved) to list ${state} jobs`
          );
        }
        throw natsError(err, this.s, `stream "${stream}" seq ${req.seq}`);
      });
    const noAck = selected.filter((q) => state === 'active' && q.consumer.config.ack_policy === AckPolicy.None);
    if (noAck.length > 0) {
      notice({
        severity: 'info',
        text: `${noAck.map((q) => q.label).join(', ')}: ack policy none, a delivered message counts as acknowledged (nothing is active)`,
      });
    }
    let read: ConsumerJobs;
    try {
      read = await consumerJobs(
        getter,
        selected.filter((q) => !noAck.includes(q)),
        state,
        limit,
        this.s.payloadLimit,
        query.search,
        notice
      );
    } catch (err) {
      throw natsError(err, this.s);
    }
    return {
      type: 'jobs',
      rows: read.rows.map((r) => ({ ...r, system: SYSTEM })),
      notices,
      executed:
        `$JS.API.CONSUMER.LIST × ${new Set(selected.map((q) => q.stream.config.name)).size} stream(s), ` +
        `${read.gets} STREAM.MSG.GET (no delivery, no ack): ${read.rows.length} ${state} message(s) of ${read.consumersRead} consumer(s)`,
    };
  }

  private async deadMessages(query: JobscopeQuery, limit: number, notice: (n: Notice) => void) {
    if (!this.s.advisoryStream) {
      notice({ severity: 'info', text: NO_ADVISORY_STREAM_NOTICE });
      return { rows: [], executed: 'nothing (no advisory stream set)' };
    }
    const jsm = await this.jsm();
    const wanted = queueFilter(query.queues);
    const search = query.search?.toLowerCase();
    const scan = Math.min(Math.max(limit * 4, 200), 2000);
    let found;
    try {
      found = await recentAdvisories(jsm, this.s.advisoryStream, wanted, search ? scan : limit, scan);
    } catch (err) {
      const e = natsError(err, this.s, `advisory stream "${this.s.advisoryStream}"`);
      throw e.status === 404
        ? notFound(`advisory stream "${this.s.advisoryStream}" does not exist. ${NO_ADVISORY_STREAM_NOTICE}`)
        : e;
    }
    if (!found.exhausted && found.advisories.length < limit) {
      notice({
        severity: 'info',
        text: `read the newest ${found.scanned} advisories only (bounded); older ones were not read`,
      });
    }
    const originals = await mapLimit(found.advisories, CONCURRENCY, (a) =>
      originalMessage(jsm, a).catch((err) => {
        notice({
          severity: 'warning',
          text: `original of ${a.stream} seq ${a.streamSeq} not read (${natsError(err, this.s).message})`,
        });
        return undefined;
      })
    );
    let rows = found.advisories.map((a, i) => ({
      advisory: a,
      row: advisoryRow(a, originals[i], this.s.payloadLimit) as JobRow,
    }));
    if (search) {
      rows = rows.filter(({ row }) => [row.id, row.name, row.error].some((v) => v?.toLowerCase().includes(search)));
    }
    if (rows.some((r) => !r.row.payload)) {
      notice({
        severity: 'info',
        text: "some original messages are gone (their stream's retention removed them): only the advisory is shown",
      });
    }
    return {
      rows: rows.slice(0, limit),
      executed: `$JS.API.STREAM.MSG.GET × ${found.scanned} on "${this.s.advisoryStream}" + ${found.advisories.length} original message get(s)`,
    };
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
