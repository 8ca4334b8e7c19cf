/**
 * Settings of the `rabbitmq` kind, read from jsonData and the secure password:
 *   url            AMQP URL (amqp://host:5672/vhost, amqps:// for TLS), used when no
 *                  management URL is set (passive declares of named queues only)
 *   managementUrl  management HTTP API (http://host:15672), the preferred source
 *   username       one user for both; the secure `password` is its password
 *   vhost          optional: read only this virtual host (queue labels are then plain names)
 *   tlsSkipVerify  accept any server certificate (https / amqps)
 *   secure tlsCACert / tlsClientCert / tlsClientKey
 *                  PEM: the CA to trust, and a client certificate for mutual TLS (https / amqps)
 *   allowPeek      jobs queries may peek messages (basic.get + requeue); off by default
 */
import type { DatasourceConfig } from '../../instances/settings';
import { badRequest } from '../../errors/errors';
import { DEFAULT_PAYLOAD_LIMIT } from '../payload';

export interface RabbitSettings {
  amqpUrl?: string;
  managementUrl?: string;
  username: string;
  password: string;
  vhost?: string;
  tlsSkipVerify: boolean;
  /** PEM from the secure settings, passed to every TLS connection (https and amqps). */
  tls?: { ca?: string; cert?: string; key?: string };
  allowPeek: boolean;
  payloadLimit: number;
}

export function rabbitSettings(config: DatasourceConfig): RabbitSettings {
  const json = config.json as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const amqpUrl = text(json.url);
  const managementUrl = text(json.managementUrl)
    ?.replace(/\/+$/, '')
    .replace(/\/api$/, '');
  if (!amqpUrl && !managementUrl) {
    throw badRequest(
      'RabbitMQ: set the management URL (http://host:15672) or at least the AMQP URL (amqp://host:5672/vhost)'
    );
  }
  if (amqpUrl && !/^amqps?:\/\//i.test(amqpUrl)) {
    throw badRequest('RabbitMQ: the URL must start with amqp:// or amqps://');
  }
  if (managementUrl && !/^https?:\/\//i.test(managementUrl)) {
    throw badRequest('RabbitMQ: the management URL must start with http:// or https://');
  }
  const limit = Number(json.payloadLimitBytes);
  return {
    amqpUrl,
    managementUrl,
    username: text(json.username) ?? 'guest',
    password: config.secure.password ?? '',
    vhost: text(json.vhost),
    tlsSkipVerify: json.tlsSkipVerify === true,
    tls: {
      ca: config.secure.tlsCACert || undefined,
      cert: config.secure.tlsClientCert || undefined,
      key: config.secure.tlsClientKey || undefined,
    },
    allowPeek: json.allowPeek === true,
    payloadLimit: limit > 0 ? limit : DEFAULT_PAYLOAD_LIMIT,
  };
}
