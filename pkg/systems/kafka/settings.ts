/**
 * Settings of the `kafka` kind, read from jsonData and the secure fields:
 *   url            bootstrap brokers, comma-separated host:port (kafka:// prefixes accepted)
 *   username       SASL user; with the secure `password` it turns SASL on
 *   saslMechanism  plain (default) | scram-sha-256 | scram-sha-512
 *   tls            connect with TLS (implied by a CA or client certificate, or tlsSkipVerify)
 *   tlsSkipVerify  accept any server certificate
 *   dlqTopics      extra dead-letter topics, comma-separated (besides <topic>.DLT and <topic>-dlq)
 * Secure: password, tlsCACert, tlsClientCert, tlsClientKey. Nothing here logs.
 */
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { DatasourceConfig } from '../../instances/settings';
import { badRequest } from '../../errors/errors';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
type Mechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSettings {
  brokers: string[];
  username?: string;
  mechanism: Mechanism;
  dlqTopics: string[];
  client: KafkaConfig;
}

const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const list = (v: unknown) =>
  (text(v) ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function kafkaSettings(config: DatasourceConfig): KafkaSettings {
  const json = config.json as Record<string, unknown>;
  const brokers = list(json.url).map((b) => b.replace(/^kafka:\/\//i, '').replace(/\/+$/, ''));
  if (brokers.length === 0) {
    throw badRequest('Kafka: set the URL to the bootstrap brokers, host:port[,host:port]');
  }
  const bad = brokers.find((b) => !/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(b));
  if (bad) {
    throw badRequest(`Kafka: broker "${bad}" is not host:port`);
  }
  const mechanism = (text(json.saslMechanism)?.toLowerCase() ?? 'plain') as Mechanism;
  if (!SASL_MECHANISMS.includes(mechanism)) {
    throw badRequest(
      `Kafka: SASL mechanism "${String(json.saslMechanism)}" is not one of ${SASL_MECHANISMS.join(', ')}`
    );
  }
  const username = text(json.username);
  const secure = config.secure;
  const sasl = username ? ({ mechanism, username, password: secure.password ?? '' } as SASLOptions) : undefined;
  const wantsTls = json.tls === true || json.tlsSkipVerify === true || !!secure.tlsCACert || !!secure.tlsClientCert;
  const ssl = wantsTls
    ? {
        rejectUnauthorized: json.tlsSkipVerify !== true,
        ...(secure.tlsCACert ? { ca: [secure.tlsCACert] } : {}),
        ...(secure.tlsClientCert ? { cert: secure.tlsClientCert } : {}),
        ...(secure.tlsClientKey ? { key: secure.tlsClientKey } : {}),
      }
    : undefined;
  return {
    brokers,
    username,
    mechanism,
    dlqTopics: list(json.dlqTopics),
    client: {
      clientId: 'jobscope',
      brokers,
      ssl,
      sasl,
      // Short timeouts: a panel refresh should fail fast when the cluster is unreachable.
      connectionTimeout: 3000,
      authenticationTimeout: 3000,
      requestTimeout: 10_000,
      retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    },
  };
}
