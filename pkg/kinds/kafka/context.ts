/** What a read of the `kafka` kind gives its system, beside the common context. */
import type { Admin } from 'kafkajs';
import type { ReadContext } from '../../source/job-system';
import type { RecordFetcher } from './fetch';
import type { KafkaSettings } from './settings';
import type { Snapshot, Watermarks } from './cluster-snapshot';
import type { SampleWindow } from './systems/kafka/lag';
import type { OffsetTimes } from './systems/kafka/offset-times';

export interface KafkaReadContext extends ReadContext {
  settings: KafkaSettings;
  /** Plain Fetch requests (time lag, dead letters); no group joined. */
  fetcher: RecordFetcher;
  /** Lag samples per queue for the Burrow status, kept while the data source lives. */
  samples: SampleWindow;
  /** Per partition: log-end samples and records read, for the time lag (kept across refreshes). */
  offsetTimes: OffsetTimes;
  /**
   * Topics and groups with their committed offsets, read once per session: the groups named
   * (every group when absent) — a whole snapshot taken earlier in the session answers too.
   */
  snapshot(groups?: string[]): Promise<Snapshot>;
  /** Low/high watermarks of the topics, MAX_TOPICS at most. */
  watermarks(topics: string[]): Promise<Watermarks>;
  /** Runs `fn` with the connected admin client (a topic gone meanwhile: once more, fresh). */
  admin<T>(fn: (admin: Admin) => Promise<T>): Promise<T>;
  /** A kafkajs failure in Grafana's terms (never with secrets). */
  describeError(err: unknown): Error;
}
