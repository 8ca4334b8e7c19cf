/**
 * Streams and their consumers as one read sees them. A queue is `<stream>/<consumer>`
 * (neither name can hold a "/"); its numbers come from the consumer info that
 * $JS.API.CONSUMER.LIST.<stream> pages hold, one call a stream, never one a consumer.
 *
 *   all()      $JS.API.STREAM.LIST (paged, 256 a page) + CONSUMER.LIST per stream: discovery
 *   of(names)  the named consumers: STREAM.INFO of their streams (up to 10, else a filtered
 *              STREAM.LIST) + CONSUMER.LIST per stream; nothing more when this read already
 *              listed everything (a fresh discovery), so one read never lists twice
 *
 * A listing lives for one read (the kind makes one per session): the numbers are never older
 * than the query.
 */
import type { JetStreamManager, StreamInfo } from 'nats';
import { mapLimit } from '../../../../reading/map-limit';
import { natsError } from '../../connection';
import type { NatsSettings } from '../../settings';
import type { ConsumerRef } from './consumer-jobs';

const MAX_STREAMS = 1_000;
const MAX_CONSUMERS = 5_000;
/** Stream names a read asks STREAM.INFO for one by one; more are found in one STREAM.LIST. */
const MAX_STREAM_INFOS = 10;
/** JetStream API calls in flight at once, per read. */
export const CONCURRENCY = 16;

export const BOUNDED_LISTING_NOTICE = `more than ${MAX_STREAMS} streams or ${MAX_CONSUMERS} consumers: the rest were not read; narrow the queues`;

export interface Listed {
  consumers: ConsumerRef[];
  /** False when a bound stopped the listing (MAX_STREAMS, MAX_CONSUMERS). */
  complete: boolean;
  /** The stream calls made, for the executed-query text. */
  streamCalls: string;
}

const byLabel = (a: ConsumerRef, b: ConsumerRef) => a.label.localeCompare(b.label);

export class ConsumerListing {
  private everything?: Promise<Listed>;

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly s: NatsSettings
  ) {}

  /** Every stream (the first MAX_STREAMS by name) and its consumers, in label order. */
  all(): Promise<Listed> {
    this.everything ??= (async () => {
      const streams = await this.listStreams(undefined);
      const consumers = await this.consumersOf(streams.infos);
      return { ...consumers, complete: streams.complete && consumers.complete, streamCalls: '$JS.API.STREAM.LIST' };
    })();
    return this.everything;
  }

  /** The consumers labelled `queues` that exist now, in label order. */
  async of(queues: readonly string[]): Promise<Listed> {
    const wanted = new Set(queues);
    if (this.everything) {
      const all = await this.everything;
      return { ...all, consumers: all.consumers.filter((c) => wanted.has(c.label)) };
    }
    const names = new Set(queues.map((q) => q.split('/')[0]));
    let streams: { infos: StreamInfo[]; complete: boolean };
    let streamCalls: string;
    if (names.size <= MAX_STREAM_INFOS) {
      const infos = await mapLimit([...names], CONCURRENCY, (name) => this.streamInfo(name));
      streams = { infos: infos.filter((i): i is StreamInfo => !!i), complete: true };
      streamCalls = `$JS.API.STREAM.INFO × ${names.size}`;
    } else {
      streams = await this.listStreams(names);
      streamCalls = '$JS.API.STREAM.LIST';
    }
    const listed = await this.consumersOf(streams.infos);
    return {
      consumers: listed.consumers.filter((c) => wanted.has(c.label)),
      complete: streams.complete && listed.complete,
      streamCalls,
    };
  }

  /** A stream's info with its state, or undefined when it does not exist. */
  private async streamInfo(name: string): Promise<StreamInfo | undefined> {
    try {
      return await this.jsm.streams.info(name);
    } catch (err) {
      const e = natsError(err, this.s, `stream "${name}"`);
      if (e.status === 404) {
        return undefined;
      }
      throw e;
    }
  }

  /** Streams (with state) in name order, at most MAX_STREAMS, optionally only those named. */
  private async listStreams(names: Set<string> | undefined): Promise<{ infos: StreamInfo[]; complete: boolean }> {
    const infos: StreamInfo[] = [];
    let complete = true;
    try {
      for await (const si of this.jsm.streams.list()) {
        if (infos.length >= MAX_STREAMS) {
          complete = false;
          break;
        }
        if (!names || names.has(si.config.name)) {
          infos.push(si);
        }
      }
    } catch (err) {
      throw natsError(err, this.s, 'listing streams');
    }
    return { infos: infos.sort((a, b) => a.config.name.localeCompare(b.config.name)), complete };
  }

  /** Every consumer of the streams, at most MAX_CONSUMERS in all, in label order. */
  private async consumersOf(streams: StreamInfo[]): Promise<{ consumers: ConsumerRef[]; complete: boolean }> {
    let total = 0;
    let complete = true;
    const lists = await mapLimit(streams, CONCURRENCY, async (stream) => {
      const out: ConsumerRef[] = [];
      try {
        for await (const ci of this.jsm.consumers.list(stream.config.name)) {
          if (total >= MAX_CONSUMERS) {
            complete = false;
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
    return { consumers: lists.flat().sort(byLabel), complete };
  }
}

/** How many streams the consumers belong to. */
export function streamCount(consumers: readonly ConsumerRef[]): number {
  return new Set(consumers.map((c) => c.stream.config.name)).size;
}
