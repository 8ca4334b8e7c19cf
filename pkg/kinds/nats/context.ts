/** What a JetStream read gets from the `nats` kind: the connection, settings, and this read's listing. */
import type { JetStreamManager, NatsConnection } from 'nats';
import type { ReadContext } from '../../source/job-system';
import type { NatsSettings } from './settings';
import type { ConsumerListing } from './systems/jetstream/consumers';

export interface NatsContext extends ReadContext {
  nc: NatsConnection;
  jsm: JetStreamManager;
  settings: NatsSettings;
  /** Streams and consumers as listed within this read, shared by discovery and the reads. */
  listing: ConsumerListing;
}
