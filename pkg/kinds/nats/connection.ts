/**
 * One NATS connection per data source, opened lazily, re-opened after it closes, and the
 * client's errors turned into Grafana's terms (never containing credentials).
 */
import * as tls from 'tls';
import { isIP } from 'net';
import { connect, JetStreamManager, NatsConnection, NatsError, TlsOptions } from 'nats';
import { brokerFailed, JobscopeError, notFound, timedOut } from '../../errors/errors';
import type { NatsSettings } from './settings';

export interface NatsHandle {
  nc: NatsConnection;
  jsm: JetStreamManager;
}

export class NatsConnector {
  private pending?: Promise<NatsHandle>;

  constructor(private readonly s: NatsSettings) {}

  get(): Promise<NatsHandle> {
    if (!this.pending) {
      const p = this.open();
      this.pending = p;
      p.then(
        (h) => h.nc.closed().then(() => this.pending === p && (this.pending = undefined)),
        () => this.pending === p && (this.pending = undefined)
      );
    }
    return this.pending;
  }

  private async open(): Promise<NatsHandle> {
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: this.s.servers,
        user: this.s.username,
        pass: this.s.password,
        token: this.s.token,
        // nats.js hands these options on to tls.connect (so rejectUnauthorized and checkServerIdentity apply).
        tls: this.s.tls
          ? ({ ...this.s.tls, checkServerIdentity: ipAwareIdentity(this.s.servers) } as TlsOptions)
          : undefined,
        name: 'jobscope (read-only)',
        timeout: this.s.timeoutMs,
        reconnect: false,
        maxReconnectAttempts: 0,
        noEcho: true,
      });
    } catch (err) {
      throw natsError(err, this.s);
    }
    try {
      // jetstreamManager() asks for the account info: fails clearly when JetStream is off.
      const jsm = await nc.jetstreamManager({ timeout: this.s.timeoutMs });
      return { nc, jsm };
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw natsError(err, this.s);
    }
  }

  async close(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      await p.then((h) => h.nc.close()).catch(() => undefined);
    }
  }
}

/**
 * nats.js sends no server name for a server given by IP address, so Node checks the
 * certificate against "localhost". Accept a certificate valid for the configured IP too.
 */
function ipAwareIdentity(servers: string[]) {
  const ips = servers.map((s) => s.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')).filter((h) => isIP(h));
  return (host: string, cert: tls.PeerCertificate): Error | undefined => {
    const err = tls.checkServerIdentity(host, cert);
    if (!err || ips.some((ip) => tls.checkServerIdentity(ip, cert) === undefined)) {
      return undefined;
    }
    return err;
  };
}

/** A client error → JobscopeError (404 for a missing stream/consumer/message, else 502). */
export function natsError(err: unknown, s?: NatsSettings, what?: string): JobscopeError {
  if (err instanceof JobscopeError) {
    return err;
  }
  const e = err as NatsError & { api_error?: { code?: number; err_code?: number; description?: string } };
  const code = String(e?.code ?? '');
  const where = s ? s.servers.join(', ') : 'the NATS server';
  const api = e?.api_error;
  if (api?.code === 404 || code === '404') {
    return notFound(`${what ? `${what}: ` : ''}${api?.description ?? e.message}`);
  }
  if (api) {
    return brokerFailed(`NATS JetStream API answered ${api.code} (${api.err_code}): ${api.description}`);
  }
  switch (code) {
    case 'CONNECTION_REFUSED':
      return brokerFailed(`NATS server at ${where} is unreachable (connection refused)`);
    case 'AUTHORIZATION_VIOLATION':
    case 'AUTHENTICATION_EXPIRED':
    case 'PERMISSIONS_VIOLATION':
      return brokerFailed(
        `NATS server at ${where} refused the credentials${s?.username ? ` of user "${s.username}"` : ''} (${code.toLowerCase().replace(/_/g, ' ')})`
      );
    case 'TIMEOUT':
    case '408':
      return timedOut(`NATS server at ${where} did not answer in time${what ? ` (${what})` : ''} (timeoutSeconds)`);
    case '503':
      return brokerFailed(`JetStream is not enabled on the NATS server at ${where} (or not for this account)`);
    case 'CONNECTION_TIMEOUT':
      return timedOut(`NATS server at ${where} did not answer: connection timed out (timeoutSeconds)`);
  }
  const message = (e instanceof Error ? e.message : String(err)).replace(/^Error( \[[A-Z_]+\])?: /, '');
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) {
    return brokerFailed(`NATS server ${where}: host not found`);
  }
  if (/certificate|self[- ]signed|tls|ssl/i.test(message)) {
    return brokerFailed(`NATS server at ${where}: TLS failed (${message})`);
  }
  return brokerFailed(`NATS server at ${where}: ${message || code || 'request failed'}`);
}
