/** Data source kind → adapter. Kinds without an adapter yet say so plainly. */
import type { Logger } from '../protocol/logger';
import type { QueueSource } from '../systems/source';
import { RedisSource } from '../systems/redis/redis-source';
import { RabbitSource } from '../systems/rabbitmq/rabbitmq-source';
import { PostgresSource } from '../systems/postgres/postgres-source';
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
    default:
      throw badRequest(`data source kind "${config.kind}" is not supported by this version of Jobscope yet`);
  }
}
