/**
 * What a RabbitMQ read gets: the settings, the management API when one is set, and the
 * session's memos, so one read lists the queues once per set of columns and declares each
 * named queue once, however many steps ask (discovery, selection, the query itself).
 */
import type { ReadContext } from '../../source/job-system';
import type { ManagementApi } from './management';
import type { PassiveCount } from './amqp';
import type { RabbitSettings } from './settings';
import type { BindingInfo, ExchangeInfo, QueueInfo } from './systems/rabbitmq/topology';

export interface QueueListing {
  items: QueueInfo[];
  /** False when the listing stopped at its cap (MAX_QUEUES). */
  complete: boolean;
}

export interface RabbitContext extends ReadContext {
  settings: RabbitSettings;
  /** Absent without a management URL: only named queues are read, by AMQP passive declares. */
  api?: ManagementApi;
  /** The queue's label: its name under a vhost setting, else "<url-encoded vhost>/<name>". */
  label(vhost: string, name: string): string;
  /** `queues` or `queues/<vhost>` etc., honouring the vhost setting. */
  scoped(path: string): string;
  /** The paged /api/queues listing with these columns (and rate parameters), once per session. */
  queues(columns: string, extra?: Record<string, string | number>): Promise<QueueListing>;
  /** Bindings and exchanges for the dead-letter topology (cached 30 s across reads). */
  routing(): Promise<{ bindings: BindingInfo[]; exchanges: ExchangeInfo[] }>;
  /** Passive declares of `names` (each once per session): the server and the queues that exist. */
  passive(names: string[]): Promise<{ server: string; counts: Map<string, PassiveCount> }>;
}
