/** Data source kind → adapter. Kinds without an adapter yet say so plainly. */
import type { Logger } from '../protocol/logger';
import type { QueueSource } from '../systems/source';
import { RedisSource } from '../systems/redis/redis-source';
import { RabbitSource } from '../systems/rabbitmq/rabbitmq-source';
import { PostgresSource } from '../systems/postgres/postgres-source';
import { KafkaSource } from '../systems/kafka/kafka-source';
import { NatsSource } from '../systems/nats/nats-source';
import { badRequest } from '../errors/errors';
import type { DatasourceConfig } from './settings';

export function createSource(config: DatasourceConfig, log: Logger): QueueSource {
  switch (config.kind) {
    case 'redis':
      return new RedisSource(config, log);
    case 'rabbitmq':
      return new RabbitSource(config, log);
    case 'postgres':
      return new PostgresSource(config, log);
    case 'kafka':
      return new KafkaSource(config, log);
    case 'nats':
      return new NatsSource(config, log);
    default:
      throw badRequest(`data source kind "${config.kind}" is not supported by this version of Jobscope yet`);
  }
}
