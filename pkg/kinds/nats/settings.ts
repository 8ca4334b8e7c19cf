/**
 * Settings of the `nats` kind (NATS JetStream), read from jsonData and secure fields:
 *   url             nats://host:4222 (tls://host:4222 asks for TLS); several servers comma-separated
 *   username        with the secure `password`; without a username the secure `password`
 *                   is sent as a token (NATS `authorization { token }`)
 *   tls             require TLS (also implied by tls://, a CA certificate or a client certificate)
 *   tlsSkipVerify   accept any server certificate
 *   secure tlsCACert, tlsClientCert, tlsClientKey   PEM
 *   advisoryStream  a stream that captures $JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.> and
 *                   …MSG_TERMINATED.> advisories: the source of `dead` values and jobs
 *   payloadLimitBytes  preview size of payloads in job lists
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

export interface NatsSettings extends CommonSettings {
  servers: string[];
  username?: string;
  password?: string;
  token?: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  advisoryStream?: string;
}

export function natsSettings(config: DatasourceConfig): NatsSettings {
  const json = config.json as Json;
  const url = optionalText(json, 'url', 'nats://host:4222 (text)');
  if (!url) {
    throw badRequest('NATS: set the server URL (nats://host:4222)');
  }
  const servers = url
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of servers) {
    if (!/^(nats|tls):\/\/[^/\s]+\/?$/i.test(s)) {
      throw badRequest(
        `NATS: "${s.replace(/\/\/[^@/]*@/, '//…@')}" is not a server URL like nats://host:4222 or tls://host:4222`
      );
    }
    // A bad port (nats://127.0.0.1:abc) is the setting's fault, not the server's.
    parseUrl(s, 'url', ['nats', 'tls'], 'nats://host:4222 or tls://host:4222');
  }
  if (servers.some((s) => /\/\/[^/]*@/.test(s))) {
    throw badRequest(
      'NATS: put the user in the username setting and the password in the secure password field, not in the URL'
    );
  }
  const secure = config.secure;
  const ca = pemCertificates(secure.tlsCACert, 'tlsCACert');
  const cert = pemCertificates(secure.tlsClientCert, 'tlsClientCert');
  const skipVerify = optionalFlag(json, 'tlsSkipVerify');
  const wantsTls = optionalFlag(json, 'tls') || servers.some((s) => /^tls:/i.test(s)) || !!ca || !!cert;
  const advisoryStream = optionalText(json, 'advisoryStream', 'a stream name (text)');
  if (advisoryStream && /[\s.*>/\\]/.test(advisoryStream)) {
    throw badRequest(`NATS: advisory stream "${advisoryStream}" is not a valid stream name`);
  }
  const username = optionalText(json, 'username');
  return {
    ...commonSettings(json),
    // nats.js speaks TLS by upgrading a nats:// connection: give it host:port.
    servers: servers.map((s) => s.replace(/^(nats|tls):\/\//i, '').replace(/\/$/, '')),
    username,
    password: username ? (secure.password ?? '') : undefined,
    token: !username && secure.password ? secure.password : undefined,
    tls: wantsTls
      ? {
          ca,
          cert,
          key: secure.tlsClientKey || undefined,
          rejectUnauthorized: !skipVerify,
        }
      : undefined,
    advisoryStream,
  };
}
