/**
 * What a system brings to the contract suite: a state made with its real library on its
 * real server, the data source that reads it, and the queues it made.
 */
import type { JobState, JobSystemId, QueryType } from '../../pkg/query/model';
import type { DatasourceSettings } from '../harness/grpc-client';

export interface FixtureState {
  ds: DatasourceSettings;
  /** Queue labels the state holds (as the overview labels them); at least one. */
  queues: string[];
  /**
   * A job state holding at least two jobs in the last hour, for the limit check, and how
   * the system orders that list: finished jobs newest first, or (a broker's peek of a
   * queue) in queue order, which is all a queue can be read in.
   */
  listing: { state: JobState; order: 'newest-first' | 'queue-order' };
  release(): Promise<void>;
}

export interface ContractFixture {
  id: JobSystemId;
  setup(): Promise<FixtureState>;
  /** Query types this system answers with a downstream error on this state, and the status. */
  downstreamErrors?: Partial<Record<QueryType, number>>;
  /** Longest the setup may take (real workers, brokers, runtimes). */
  setupTimeoutMs?: number;
}
