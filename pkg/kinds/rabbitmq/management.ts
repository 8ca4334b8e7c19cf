/**
 * A minimal client of RabbitMQ's management HTTP API. Every request is one HTTP call with
 * a timeout; failures become errors a Grafana user can act on, never carrying the password.
 */
import * as http from 'http';
import * as https from 'https';
import { brokerFailed, JobscopeError, notFound, timedOut } from '../../errors/errors';
import type { RabbitSettings } from './settings';

/** Responses larger than this are refused (a page of 500 queues is far smaller). */
const MAX_BODY = 64 * 1024 * 1024;

export class ManagementApi {
  private readonly base: URL;
  private readonly agent: http.Agent;

  constructor(private readonly settings: RabbitSettings & { managementUrl: string }) {
    this.base = new URL(settings.managementUrl + '/');
    this.agent =
      this.base.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            maxSockets: 4,
            rejectUnauthorized: !settings.tlsSkipVerify,
            ...settings.tls,
          })
        : new http.Agent({ keepAlive: true, maxSockets: 4 });
  }

  get where(): string {
    return this.base.origin;
  }

  get<T>(path: string, query: Record<string, string | number> = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('POST', path, {}, body);
  }

  /** `path` is relative to /api/ and already URL-encoded. */
  request<T>(method: string, path: string, query: Record<string, string | number> = {}, body?: unknown): Promise<T> {
    const url = new URL('api/' + path, this.base);
    for (const [k, v] of Object.entries(query)) {
      url.searchParams.set(k, String(v));
    }
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const auth = 'Basic ' + Buffer.from(`${this.settings.username}:${this.settings.password}`).toString('base64');
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise<T>((resolve, reject) => {
      const req = lib.request(
        url,
        {
          method,
          agent: this.agent,
          timeout: this.settings.timeoutMs,
          headers: {
            authorization: auth,
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) {
              req.destroy(new Error('response too large'));
              return;
            }
            chunks.push(c);
          });
          res.on('error', (err) => reject(this.describe(err)));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) {
              try {
                resolve((text ? JSON.parse(text) : undefined) as T);
              } catch {
                reject(
                  brokerFailed(
                    `RabbitMQ management API at ${this.where} answered ${path.split('?')[0]} with something that is not JSON: is managementUrl the management plugin's address?`
                  )
                );
              }
              return;
            }
            reject(this.statusError(status, path, text));
          });
        }
      );
      // `timeout` is socket inactivity; this bounds the whole request (a server that trickles bytes).
      const overall = setTimeout(() => req.destroy(this.timeoutError()), this.settings.timeoutMs);
      req.on('close', () => clearTimeout(overall));
      req.on('timeout', () => req.destroy(this.timeoutError()));
      req.on('error', (err) => reject(this.describe(err)));
      req.end(payload);
    });
  }

  private timeoutError(): Error {
    return Object.assign(new Error(`no answer within ${this.settings.timeoutMs / 1000} s (timeoutSeconds)`), {
      code: 'ETIMEDOUT',
    });
  }

  private statusError(status: number, path: string, text: string): JobscopeError {
    let reason = '';
    try {
      const body = JSON.parse(text);
      reason = String(body.reason ?? body.error ?? '').slice(0, 300);
    } catch {
      reason = text.slice(0, 200);
    }
    if (status === 401) {
      // The management API answers 401 both for a wrong password and for a vhost the user may not see.
      if (/virtual host|vhost/i.test(reason)) {
        return brokerFailed(
          `RabbitMQ user "${this.settings.username}" may not access this virtual host (401 from ${this.where}): grant it permissions on the vhost`
        );
      }
      return brokerFailed(
        `RabbitMQ at ${this.where} refused the credentials of user "${this.settings.username}" (401): check the username and password, and that the user has a management tag (monitoring is enough)`
      );
    }
    if (status === 403) {
      return brokerFailed(
        `RabbitMQ user "${this.settings.username}" is not allowed to ${path.split('?')[0]} (403): ${reason}`
      );
    }
    if (status === 404) {
      return notFound(`RabbitMQ: ${decodeURIComponent(path.split('?')[0])} not found (${reason || 'no such object'})`);
    }
    return brokerFailed(
      `RabbitMQ management API at ${this.where} answered ${status} for ${path.split('?')[0]}: ${reason}`
    );
  }

  private describe(err: Error & { code?: string }): JobscopeError {
    if (err instanceof JobscopeError) {
      return err;
    }
    const code = err.code ?? '';
    if (code === 'ETIMEDOUT') {
      return timedOut(
        `RabbitMQ management API at ${this.where} did not answer within ${this.settings.timeoutMs / 1000} s (timeoutSeconds)`
      );
    }
    if (
      code === 'ECONNREFUSED' ||
      code === 'ENOTFOUND' ||
      code === 'EAI_AGAIN' ||
      code === 'EHOSTUNREACH' ||
      code === 'ETIMEDOUT' ||
      code === 'ECONNRESET'
    ) {
      return brokerFailed(
        `RabbitMQ management API at ${this.where} is unreachable (${code}): check the management URL, that the broker runs and that the rabbitmq_management plugin is enabled`
      );
    }
    if (/certificate|self[- ]signed|CERT_/i.test(err.message + code)) {
      return brokerFailed(
        `TLS to RabbitMQ management API at ${this.where} failed: ${err.message}. Add the server's CA certificate in the data source's TLS settings, or enable "Skip TLS verify"`
      );
    }
    return brokerFailed(`RabbitMQ management API at ${this.where} failed: ${err.message}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Reads every page of a paged list (page_size ≤ 500), up to `maxItems`. */
export async function pagedList<T>(
  api: ManagementApi,
  path: string,
  query: Record<string, string | number>,
  maxItems = 10_000
): Promise<{ items: T[]; complete: boolean; calls: number }> {
  const PAGE = 500;
  const page = (n: number) => api.get<{ items: T[]; page_count: number }>(path, { ...query, page: n, page_size: PAGE });
  const first = await page(1);
  // The first page says how many there are: the others are asked for together (the
  // agent's four sockets bound how many at once), in order.
  const last = Math.min(first.page_count, Math.ceil(maxItems / PAGE));
  const rest = await Promise.all(Array.from({ length: Math.max(0, last - 1) }, (_, i) => page(i + 2)));
  const items = [first, ...rest].flatMap((r) => r.items);
  const complete = first.page_count <= last;
  return { items: complete ? items : items.slice(0, maxItems), complete, calls: 1 + rest.length };
}

/** The API path segment of a vhost ("/" is %2F). */
export const vhostPath = (vhost: string) => encodeURIComponent(vhost);
