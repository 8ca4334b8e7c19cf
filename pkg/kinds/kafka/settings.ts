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
import {
  commonSettings,
  CommonSettings,
  Json,
  optionalFlag,
  optionalList,
  optionalText,
  pemCertificates,
} from '../settings-checks';

export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
type Mechanism = (typeof SASL_MECHANISMS)[number];

export interface KafkaSettings extends CommonSettings {
  brokers: string[];
  username?: string;
  mechanism: Mechanism;
  dlqTopics: string[];
  client: KafkaConfig;
}

export function kafkaSettings(config: DatasourceConfig): KafkaSettings {
  const json = config.json as Json;
  const common = commonSettings(json);
  const brokers = optionalList(json, 'url', 'bootstrap brokers, host:port[,host:port] (text)').map((b) =>
    b.replace(/^kafka:\/\//i, '').replace(/\/+$/, '')
  );
  if (brokers.length === 0) {
    throw badRequest('Kafka: set the URL to the bootstrap brokers, host:port[,host:port]');
  }
  const bad = brokers.find((b) => !/^[^\s:/]+:\d{1,5}$/.test(b) && !/^\[[0-9a-f:]+\]:\d{1,5}$/i.test(b));
  if (bad) {
    throw badRequest(`setting url: Kafka broker "${bad}" is not host:port`);
  }
  const bigPort = brokers.find(
    (b) => Number(b.slice(b.lastIndexOf(':') + 1)) > 65535 || Number(b.slice(b.lastIndexOf(':') + 1)) < 1
  );
  if (bigPort) {
    throw badRequest(`setting url: Kafka broker "${bigPort}" has no valid port (1 to 65535)`);
  }
  const mechanism = (optionalText(json, 'saslMechanism', `one of ${SASL_MECHANISMS.join(', ')}`)?.toLowerCase() ??
    'plain') as Mechanism;
  if (!SASL_MECHANISMS.includes(mechanism)) {
    throw badRequest(
      `Kafka: SASL mechanism "${String(json.saslMechanism)}" is not one of ${SASL_MECHANISMS.join(', ')}`
    );
  }
  const username = optionalText(json, 'username');
  const secure = config.secure;
  const ca = pemCertificates(secure.tlsCACert, 'tlsCACert');
  const cert = pemCertificates(secure.tlsClientCert, 'tlsClientCert');
  const skipVerify = optionalFlag(json, 'tlsSkipVerify');
  const sasl = username ? ({ mechanism, username, password: secure.password ?? '' } as SASLOptions) : undefined;
  const wantsTls = optionalFlag(json, 'tls') || skipVerify || !!ca || !!cert;
  const ssl = wantsTls
    ? {
        rejectUnauthorized: !skipVerify,
        ...(ca ? { ca: [ca] } : {}),
        ...(cert ? { cert } : {}),
        ...(secure.tlsClientKey ? { key: secure.tlsClientKey } : {}),
      }
    : undefined;
  return {
    ...common,
    brokers,
    username,
    mechanism,
    dlqTopics: optionalList(json, 'dlqTopics', 'topic names, comma-separated (text)'),
    client: {
      clientId: 'jobscope',
      brokers,
      ssl,
      sasl,
      // Bounded by timeoutSeconds: a panel refresh fails fast when the cluster is unreachable.
      connectionTimeout: common.timeoutMs,
      authenticationTimeout: common.timeoutMs,
      requestTimeout: common.timeoutMs,
      retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1000 },
    },
  };
}
