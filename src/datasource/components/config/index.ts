/** The settings page's sections, and each kind's form (one file per kind). */
import type { DatasourceKind } from '../../types';
import type { KindForm } from './kind-form';
import { kafkaForm } from './KafkaConnection';
import { natsForm } from './NatsConnection';
import { postgresForm } from './PostgresConnection';
import { rabbitmqForm } from './RabbitmqConnection';
import { redisForm } from './RedisConnection';

export const KIND_FORMS: Record<DatasourceKind, KindForm> = {
  redis: redisForm,
  rabbitmq: rabbitmqForm,
  postgres: postgresForm,
  nats: natsForm,
  kafka: kafkaForm,
};

export type { KindForm } from './kind-form';
export { AuthSection } from './AuthSection';
export { LinksSection, isLogsDataSource, isTracingDataSource } from './LinksSection';
export { QueriesSection } from './QueriesSection';
export { TlsSection } from './TlsSection';
export { Section } from './Section';
export type { SettingsProps } from './fields';
