/**
 * One Redis-based job system (BullMQ, Bull, Sidekiq, Celery, RQ) behind one interface.
 * An adapter only reads: it receives the connection and a few limits, returns rows, and
 * pushes notices for what its store does not record. Each method costs a constant
 * number of pipelined round trips whatever the number of queues.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { JobState, RedisSystem } from '../../model/query';
import type { Notice } from '../../reading/notice';
import type { Series } from '../../reading/series';
import type { FailureGroup, JobRow, QueueStats, WorkerRow } from '../../reading/rows';
import { countRoundTrip } from './traffic';

export interface ReadContext {
  client: Redis | Cluster;
  /** SCAN for keys matching a glob, bounded (see scan.ts). */
  scan(match: string): Promise<{ keys: string[]; complete: boolean }>;
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
  /** CLIENT LIST of every node, with the database the data source reads (counted traffic). */
  clientList(): Promise<{ text: string; db: number }>;
}

export interface Discovery {
  queues: string[];
  complete: boolean;
}

export interface JobsOptions {
  state: JobState;
  search?: string;
}

export interface RedisJobSystem {
  readonly id: RedisSystem;
  /** Settings-derived description, e.g. `prefix "bull"`, for executed-query strings. */
  readonly describe: string;
  discover(ctx: ReadContext): Promise<Discovery>;
  overview(ctx: ReadContext, queues: string[]): Promise<QueueStats[]>;
  failures(ctx: ReadContext, queues: string[]): Promise<FailureGroup[]>;
  jobs(ctx: ReadContext, queues: string[], options: JobsOptions): Promise<JobRow[]>;
  throughput(ctx: ReadContext, queues: string[]): Promise<Series[]>;
  workers(ctx: ReadContext, queues: string[]): Promise<WorkerRow[]>;
}

/** Reply of one pipelined command, as ioredis gives it. */
export type Reply = [Error | null, unknown];

/** Sends a pipeline (one round trip), counted in the plugin's traffic metrics. */
export async function execPipeline(pipeline: { exec(): Promise<Reply[] | null>; length: number }): Promise<Reply[]> {
  countRoundTrip(pipeline.length);
  return ((await pipeline.exec()) ?? []) as Reply[];
}

/** The value of a reply, or undefined when the command failed (wrong type, missing key…). */
export function value<T = unknown>(reply: Reply | undefined): T | undefined {
  return reply && !reply[0] ? (reply[1] as T) : undefined;
}

export function numberOf(reply: Reply | undefined): number | undefined {
  const v = value(reply);
  if (v === undefined || v === null) {
    return undefined;
  }
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}
