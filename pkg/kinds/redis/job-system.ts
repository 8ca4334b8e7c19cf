/**
 * One Redis-based job system (BullMQ, Bull, Sidekiq, Celery, RQ) behind one interface.
 * An adapter only reads: it receives the connection and a few limits, returns rows, and
 * pushes notices for what its store does not record. Each method costs a constant
 * number of pipelined round trips whatever the number of queues.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { RedisSystem } from '../../model/query';
import type { Discovery, JobsOptions, JobSystem, ReadContext as BaseReadContext } from '../../source/job-system';
import { countRoundTrip } from './traffic';

export type { Discovery, JobsOptions };

/** The read context of every kind, plus the Redis connection. */
export interface ReadContext extends BaseReadContext {
  client: Redis | Cluster;
  /** SCAN for keys matching a glob, bounded (see scan.ts). */
  scan(match: string): Promise<{ keys: string[]; complete: boolean }>;
  /** CLIENT LIST of every node, with the database the data source reads (counted traffic). */
  clientList(): Promise<{ text: string; db: number }>;
}

export interface RedisJobSystem extends JobSystem<ReadContext> {
  readonly id: RedisSystem;
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

/** A WITHSCORES reply (member, score, member, score…) as [member, score] pairs; none when it failed. */
export function scoredMembers(reply: Reply | undefined): Array<[string, number]> {
  const flat = value<string[]>(reply) ?? [];
  const out: Array<[string, number]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    out.push([flat[i], Number(flat[i + 1])]);
  }
  return out;
}
