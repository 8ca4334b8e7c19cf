/**
 * Degraded mode without the management API: AMQP passive declares (queue.declare
 * passive=true, amqplib checkQueue) of the queues a query names, on one connection per
 * request. A missing queue makes the broker close the channel (404), so every queue gets
 * its own channel and one missing queue never spoils the others. Passive declares need no
 * permission beyond access to the vhost. Only message and consumer counts are available.
 */
import * as amqp from 'amqplib';
import { brokerFailed, JobscopeError, safeUrl, timedOut } from '../../errors/errors';
import { withDeadline } from '../../errors/deadline';
import type { RabbitSettings } from './settings';

export interface PassiveCount {
  messageCount: number;
  consumerCount: number;
}

export function describeAmqpError(err: Error & { code?: string | number }, url: string): Error {
  const where = safeUrl(url, 'the AMQP URL');
  const m = err.message ?? String(err);
  const queue = /access to queue '([^']*)'/.exec(m);
  if (queue) {
    return brokerFailed(
      `RabbitMQ at ${where} does not let this user read queue "${queue[1]}" (ACCESS_REFUSED): grant it read permission on the vhost`
    );
  }
  if (/ACCESS_REFUSED|403|PLAIN login refused|authentication/i.test(m)) {
    return brokerFailed(
      `RabbitMQ at ${where} refused the credentials (ACCESS_REFUSED): check the username and password`
    );
  }
  if (/NOT_ALLOWED|vhost/i.test(m)) {
    return brokerFailed(
      `RabbitMQ at ${where} refused access to the virtual host: check the vhost in the URL and the user's permissions`
    );
  }
  if (/certificate|self[- ]signed|CERT_|SSL/i.test(m + (err.code ?? ''))) {
    return brokerFailed(
      `TLS to RabbitMQ at ${where} failed: ${m}. Add the server's CA certificate in the data source's TLS settings, or enable "Skip TLS verify"`
    );
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|timeout|socket/i.test(m + (err.code ?? ''))) {
    return brokerFailed(
      `RabbitMQ at ${where} is unreachable (${err.code ?? m}): check the URL and that the broker runs`
    );
  }
  return brokerFailed(`RabbitMQ at ${where} failed: ${m.replace(/\/\/[^@/]*@/, '//***@')}`);
}

export async function connectAmqp(s: RabbitSettings & { amqpUrl: string }): Promise<amqp.ChannelModel> {
  const u = new URL(s.amqpUrl);
  const withCreds = !u.username && s.username ? { credentials: amqp.credentials.plain(s.username, s.password) } : {};
  // amqplib's timeout covers the TCP connect only: a server that accepts and stays silent
  // would hold the handshake forever. A connection that arrives after the deadline is closed.
  const opening = amqp.connect(s.amqpUrl, {
    timeout: s.timeoutMs,
    rejectUnauthorized: !s.tlsSkipVerify,
    ...s.tls,
    ...withCreds,
  });
  try {
    const conn = await withDeadline(opening, s.timeoutMs, () =>
      timedOut(
        `RabbitMQ at ${safeUrl(s.amqpUrl, 'the AMQP URL')} did not complete the AMQP handshake within ${s.timeoutMs / 1000} s (timeoutSeconds)`
      )
    );
    conn.on('error', () => undefined); // a later failure surfaces on the next call
    return conn;
  } catch (err) {
    if (err instanceof JobscopeError) {
      opening.then((late) => late.close()).catch(() => undefined);
      throw err;
    }
    throw describeAmqpError(err as Error, s.amqpUrl);
  }
}

/** Passive declares of `names`; absent from the result means the queue does not exist. */
export async function passiveCounts(
  s: RabbitSettings & { amqpUrl: string },
  names: string[]
): Promise<{ server: string; counts: Map<string, PassiveCount> }> {
  const conn = await connectAmqp(s);
  const counts = new Map<string, PassiveCount>();
  try {
    for (const name of names) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined); // 404 closes this channel only
      try {
        const ok = await ch.checkQueue(name);
        counts.set(name, { messageCount: ok.messageCount, consumerCount: ok.consumerCount });
        await ch.close().catch(() => undefined);
      } catch (err) {
        if (!/NOT_FOUND|404/.test((err as Error).message)) {
          throw describeAmqpError(err as Error, s.amqpUrl);
        }
      }
    }
    const props = (conn.connection as unknown as { serverProperties?: Record<string, unknown> }).serverProperties ?? {};
    return { server: `RabbitMQ ${String(props.version ?? 'unknown version')}`, counts };
  } finally {
    await conn.close().catch(() => undefined);
  }
}
