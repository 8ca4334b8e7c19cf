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
import {
  commonSettings,
  CommonSettings,
  Json,
  optionalFlag,
  optionalText,
  parseUrl,
  pemCertificates,
} from '../settings-checks';

export interface RabbitSettings extends CommonSettings {
  amqpUrl?: string;
  managementUrl?: string;
  username: string;
  password: string;
  vhost?: string;
  tlsSkipVerify: boolean;
  /** PEM from the secure settings, passed to every TLS connection (https and amqps). */
  tls?: { ca?: string; cert?: string; key?: string };
  allowPeek: boolean;
}

export function rabbitSettings(config: DatasourceConfig): RabbitSettings {
  const json = config.json as Json;
  const amqpUrl = optionalText(json, 'url', 'an AMQP URL (text)');
  const managementUrl = optionalText(json, 'managementUrl', 'a URL (text)')
    ?.replace(/\/+$/, '')
    .replace(/\/api$/, '');
  if (!amqpUrl && !managementUrl) {
    throw badRequest(
      'RabbitMQ: set the management URL (http://host:15672) or at least the AMQP URL (amqp://host:5672/vhost)'
    );
  }
  // Parsed here, so a bad port or an unclosed [ is the setting's fault, named, not a crash later.
  if (amqpUrl) {
    parseUrl(amqpUrl, 'url', ['amqp', 'amqps'], 'amqp://host:5672/vhost or amqps://host:5671/vhost');
  }
  if (managementUrl) {
    parseUrl(managementUrl, 'managementUrl', ['http', 'https'], 'http://host:15672');
  }
  return {
    ...commonSettings(json),
    amqpUrl,
    managementUrl,
    username: optionalText(json, 'username') ?? 'guest',
    password: config.secure.password ?? '',
    vhost: optionalText(json, 'vhost'),
    tlsSkipVerify: optionalFlag(json, 'tlsSkipVerify'),
    tls: {
      ca: pemCertificates(config.secure.tlsCACert, 'tlsCACert'),
      cert: pemCertificates(config.secure.tlsClientCert, 'tlsClientCert'),
      key: config.secure.tlsClientKey || undefined,
    },
    allowPeek: optionalFlag(json, 'allowPeek'),
  };
}
