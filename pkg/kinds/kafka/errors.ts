/** kafkajs errors → JobscopeError in Grafana's terms (never with secrets). */
import { brokerFailed, JobscopeError, timedOut } from '../../errors/errors';

/** The innermost error kafkajs wrapped (retries, aggregate errors). */
export function root(err: any): any {
  let e = err;
  for (let i = 0; i < 5 && e; i++) {
    const next = e.originalError ?? e.cause ?? e.errors?.[0];
    if (!next) {
      break;
    }
    e = next;
  }
  return e;
}

export function kafkaError(err: unknown, brokers: string[], username?: string): JobscopeError {
  if (err instanceof JobscopeError) {
    return err;
  }
  const e = root(err) as any;
  const name = String(e?.name ?? '');
  const message = String(e?.message ?? err);
  const where = brokers.join(',');
  if (name === 'KafkaJSSASLAuthenticationError' || /SASL|authentication/i.test(message)) {
    return brokerFailed(
      `Kafka at ${where} refused the credentials${username ? ` of user "${username}"` : ''} (SASL authentication failed)`
    );
  }
  // Node's network errors carry a string code (ECONNREFUSED…); Kafka protocol errors a number.
  if (name === 'KafkaJSConnectionError' || name === 'KafkaJSConnectionClosedError' || typeof e?.code === 'string') {
    const code = e?.code ?? (/timeout/i.test(message) ? 'timeout' : 'connection failed');
    return brokerFailed(`Kafka broker(s) ${where} unreachable (${code}): check the URL, the port and TLS settings`);
  }
  if (/timeout|timed out/i.test(message)) {
    return timedOut(`Kafka at ${where} did not answer in time (timeoutSeconds): ${message}`);
  }
  if (
    e?.type === 'GROUP_AUTHORIZATION_FAILED' ||
    e?.type === 'TOPIC_AUTHORIZATION_FAILED' ||
    e?.type === 'CLUSTER_AUTHORIZATION_FAILED'
  ) {
    return brokerFailed(`Kafka at ${where}: ${e.type} — the user needs Describe on the cluster, topics and groups`);
  }
  return brokerFailed(`Kafka at ${where} failed: ${message}`);
}

/** A topic or partition that no longer exists (deleted between a listing and a read). */
export function isGone(err: unknown): boolean {
  for (let e: any = err, i = 0; e && i < 6; e = e.originalError ?? e.cause ?? e.errors?.[0], i++) {
    if (e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || e.type === 'GROUP_ID_NOT_FOUND') {
      return true;
    }
  }
  return false;
}
