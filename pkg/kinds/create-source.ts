/**
 * Data source kind → the source serving it: the generic JobSource over the kind. Each kind's code (and its client library: ioredis, amqplib,
 * pg, kafkajs, nats) is loaded when a data source of that kind is first used, so the
 * plugin starts — and answers Grafana's handshake — without evaluating all of them.
 */
import type { Logger } from '../logging/logger';
import type { QueueSource } from '../source/queue-source';
import { badRequest } from '../errors/errors';
import type { DatasourceConfig } from '../instances/settings';

export async function createSource(config: DatasourceConfig, log: Logger): Promise<QueueSource> {
  switch (config.kind) {
    case 'redis':
      return (await import('./redis/redis-kind')).redisSource(config, log);
    case 'rabbitmq':
      return (await import('./rabbitmq/rabbitmq-kind')).rabbitSource(config, log);
    case 'postgres':
      return (await import('./postgres/postgres-kind')).postgresSource(config, log);
    case 'kafka':
      return (await import('./kafka/kafka-kind')).kafkaSource(config, log);
    case 'nats':
      return (await import('./nats/nats-kind')).natsSource(config, log);
    default:
      throw badRequest(`data source kind "${config.kind}" is not supported by this version of Jobscope yet`);
  }
}
