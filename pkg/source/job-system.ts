/**
 * The one contract every job system implements, whatever its kind (Redis, PostgreSQL,
 * RabbitMQ, NATS, Kafka), and the one a kind implements to host its systems. The generic
 * source (job-source.ts) does everything above them once: discovery and its cache, queue
 * selection, limits and order, the query-type switch and the executed-query text.
 *
 * A system only reads: it receives its kind's context and the queues chosen, returns rows,
 * and pushes notices for what its store does not record (see the catalogue entry of the
 * system in pkg/model/catalogue/, which the contract suite holds it to).
 */
import type { DatasourceKind, JobState, JobSystemId, OverviewMetric } from '../model/query';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../reading/rows';
import type { Series } from '../reading/series';
import type { Notice } from '../reading/notice';
import type { CommonSettings } from '../kinds/settings-checks';
import type { Requester } from './queue-source';

/** What every read gets, whatever the kind; a kind extends it with its connection. */
export interface ReadContext {
  now: number;
  /** The query's time range, epoch ms. */
  from: number;
  to: number;
  intervalMs: number;
  /** Payload preview limit in bytes. */
  payloadLimit: number;
  /** Rows to return at most (job lists, failure groups, samples read for grouping). */
  limit: number;
  notice(severity: Notice['severity'], text: string): void;
  /**
   * What the read cost in the store's own terms (e.g. `3 STREAM.MSG.GET`), appended to the
   * executed-query text, for systems whose calls are worth counting.
   */
  executed?(text: string): void;
  /** The overview metrics the query asked for (absent: all), for systems that read some at extra cost. */
  metrics?: readonly OverviewMetric[];
  /** Who asks (role, alert evaluation): reads that could change a message's fate depend on it. */
  requester?: Requester;
  /** The queues the query named literally (no pattern): a system may read them where its own rule would skip them. */
  named?: string[];
}

export interface Discovery {
  queues: string[];
  /** False when discovery stopped early (a bounded scan of a huge keyspace). */
  complete: boolean;
  /**
   * True when the system cannot list its queues (RabbitMQ without its management API): nothing
   * is discovered, and the queues a query names pass selection as far as `exists` confirms them.
   */
  byName?: boolean;
}

export interface JobsOptions {
  state: JobState;
  search?: string;
}

export interface JobSystem<C extends ReadContext = ReadContext> {
  readonly id: JobSystemId;
  /** Settings-derived description, e.g. `BullMQ (prefix "bull")`, for executed-query text and notices. */
  readonly describe: string;
  discover(ctx: C): Promise<Discovery>;
  /**
   * Which of the queues a query names exist: for a `byName` discovery (it may refuse, as a
   * 400, what it cannot look up, such as patterns; also asked when a query names none —
   * health, the queue list — and then answers [] and may say why in an info notice), and for
   * the literal names an incomplete discovery did not list (a bounded listing of a huge store).
   */
  exists?(ctx: C, names: string[]): Promise<string[]>;
  overview(ctx: C, queues: string[]): Promise<QueueStats[]>;
  failures(ctx: C, queues: string[]): Promise<FailureGroup[]>;
  jobs(ctx: C, queues: string[], options: JobsOptions): Promise<JobRow[]>;
  throughput(ctx: C, queues: string[]): Promise<Series[]>;
  workers(ctx: C, queues: string[]): Promise<WorkerRow[]>;
}

/** The job systems a kind found, and what it has to say about looking. */
export interface SystemsFound<C extends ReadContext> {
  systems: Array<JobSystem<C>>;
  /**
   * The systems were found in the store (PostgreSQL's catalog), so health names them even
   * without a queue; absent: they are the ones the kind can hold (Redis), named only with queues.
   */
  detected?: boolean;
  /** Warnings about the search itself (e.g. a schema without read permission). */
  notices: string[];
}

/** What a data-source kind gives the generic source: its connection and its systems. */
export interface Kind<C extends ReadContext> {
  /** Which kind of data source this is (the catalogue's `kind` of its systems). */
  readonly id: DatasourceKind;
  /**
   * Systems may be read at the same time (Redis: their commands share pipelined round
   * trips); false where a session is one connection (a PostgreSQL transaction).
   */
  readonly parallel: boolean;
  /** The settings every kind shares (payload limit, discovery pattern, time bound). */
  readonly settings: CommonSettings;
  /**
   * Runs `fn` in one session of the kind (Redis: connected; PostgreSQL: one read-only
   * transaction), extending the base context, and turns the kind's failures into errors in
   * Grafana's terms (its error describer).
   */
  session<T>(base: ReadContext, fn: (ctx: C) => Promise<T>): Promise<T>;
  /** The systems this data source holds (fixed by settings, or detected). */
  systems(ctx: C): Promise<SystemsFound<C>>;
  /** e.g. `Redis 7.0.15`, and what the health check should add about the server, for Save & test. */
  server(ctx: C): Promise<{ name: string; notices?: string[] }>;
  /** Where queues were looked for, for "not found (looked in …)". */
  where(found: SystemsFound<C>): string;
  /**
   * How "queue … not found" goes on where the kind has more to say than where it looked
   * (e.g. how its queues are named), from the separator on; default ` (looked in <where>)`.
   */
  notFound?(found: SystemsFound<C>): string;
  /** Kind-specific JSON resources for CallResource (throws notFound for unknown paths). */
  resource?(path: string): Promise<unknown>;
  close(): Promise<void>;
}
