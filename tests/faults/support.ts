/**
 * The fault-and-abuse suite's rig: the packaged executable launched as Grafana does
 * (tests/harness), each call made with a bound and timed, and after each the checks the
 * suite exists for: the process is still alive (its health service answers, it did not
 * exit), the error has the expected source and status, and a secret marker appears in no
 * response, no stderr log line and no CollectMetrics output.
 *
 * Also: TCP listeners that accept and never answer, and ports where nothing listens.
 */
import * as net from 'net';
import { startPlugin, PluginProcess } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient, QuerySpec } from '../harness/grpc-client';
import type { DataResponse } from '../../pkg/protocol/messages';

/** Put into every password, URL userinfo and secure field of the faults; must never come back out. */
export const SECRET = 'Zq9-secret-marker-4471';

/** The `timeoutSeconds` the fault data sources use: small, so the suite is quick. */
export const FAULT_TIMEOUT_SECONDS = 2;
/** What a call may take at most: the data source's bound, the handlers' grace, and slack for a shared machine. */
export const ANSWER_BOUND_MS = (FAULT_TIMEOUT_SECONDS + 1) * 1000 + 3000;

export interface Timing {
  fault: string;
  ms: number;
  outcome: string;
}

export interface Answer<T> {
  value: T;
  ms: number;
}

/** A datasource with the suite's small time bound unless the fault sets its own. */
export function faultDatasource(
  uid: string,
  jsonData: Record<string, unknown>,
  secureJsonData: Record<string, string> = {}
): DatasourceSettings {
  return {
    uid,
    name: uid,
    jsonData: { timeoutSeconds: FAULT_TIMEOUT_SECONDS, ...jsonData },
    secureJsonData,
    lastUpdatedMS: Date.now(),
  };
}

export class FaultRig {
  readonly timings: Timing[] = [];
  /** Every response body seen, as text, for the secret scan. */
  private readonly seen: string[] = [];

  private constructor(
    readonly plugin: PluginProcess,
    readonly grafana: GrafanaClient
  ) {}

  static async launch(): Promise<FaultRig> {
    const plugin = await startPlugin();
    return new FaultRig(plugin, new GrafanaClient(plugin.target));
  }

  /** Runs `call` under `boundMs`, records how long it took, and fails if it did not answer in time. */
  async timed<T>(fault: string, call: () => Promise<T>, boundMs = ANSWER_BOUND_MS): Promise<Answer<T>> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${fault}: no answer within ${boundMs} ms`)), boundMs);
    });
    try {
      const value = await Promise.race([call(), late]);
      const ms = Date.now() - started;
      this.seen.push(
        JSON.stringify(value, (_k, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('latin1') : v))
      );
      return { value, ms };
    } finally {
      clearTimeout(timer);
    }
  }

  /** One query through QueryData; the response of refId A. */
  async query(fault: string, ds: DatasourceSettings, json: unknown, boundMs?: number): Promise<Answer<DataResponse>> {
    const spec: QuerySpec = { refId: 'A', json };
    const { value, ms } = await this.timed(fault, () => this.grafana.queryData(ds, [spec]), boundMs);
    const response = value.A;
    this.timings.push({
      fault,
      ms,
      outcome: response.error ? `${response.errorSource} ${response.status}` : `ok ${response.status}`,
    });
    return { value: response, ms };
  }

  /** CheckHealth; status 1 is OK, 2 ERROR. */
  async health(fault: string, ds: DatasourceSettings, boundMs?: number) {
    const answer = await this.timed(fault, () => this.grafana.checkHealth(ds), boundMs);
    const details = answer.value.jsonDetails?.length ? JSON.parse(answer.value.jsonDetails.toString('utf8')) : {};
    this.timings.push({
      fault: `${fault} (health)`,
      ms: answer.ms,
      outcome: details.errorSource ? `${details.errorSource} ${details.status}` : 'ok',
    });
    return { ...answer, details };
  }

  /** CallResource GET `path`. */
  async resource(fault: string, ds: DatasourceSettings, path: string, boundMs?: number) {
    const answer = await this.timed(fault, () => this.grafana.callResource(ds, 'GET', path), boundMs);
    this.timings.push({ fault: `${fault} (resource ${path})`, ms: answer.ms, outcome: String(answer.value.code) });
    return answer;
  }

  /**
   * The process did not exit, its gRPC health service answers SERVING (1) within a
   * second, and nothing reached the last-resort handlers (the faults are handled where
   * they arise, not merely survived).
   */
  async expectAlive(): Promise<void> {
    expect(this.plugin.stderr.filter((l) => /unhandledRejection|uncaughtException/.test(l))).toEqual([]);
    expect(this.plugin.child.exitCode).toBeNull();
    expect(this.plugin.child.signalCode).toBeNull();
    const status = await Promise.race([
      this.grafana.ping(),
      new Promise<number>((_, reject) =>
        setTimeout(() => reject(new Error('health service did not answer within 1 s')), 1000)
      ),
    ]);
    expect(status).toBe(1);
  }

  /** No response so far, no stderr line and no metric carries `marker`. */
  async expectNoSecret(marker = SECRET): Promise<void> {
    const metrics = await this.grafana.collectMetrics();
    const leaks = [
      ...this.seen.filter((t) => t.includes(marker)).map((t) => `response: ${t.slice(0, 300)}`),
      ...this.plugin.stderr.filter((l) => l.includes(marker)).map((l) => `log: ${l}`),
      ...(metrics.includes(marker) ? ['metrics'] : []),
    ];
    expect(leaks).toEqual([]);
  }

  /** Log lines the plugin wrote at level error (uncaught errors among them). */
  errorLogs(): string[] {
    return this.plugin.stderr.filter((l) => /"@level":"error"/.test(l));
  }

  /** Prints the measured answer time of every fault, for the README and the report. */
  printTimings(title: string): void {
    const rows = this.timings.map((t) => `${String(t.ms).padStart(6)} ms  ${t.outcome.padEnd(16)} ${t.fault}`);
    process.stdout.write(`\n${title}: answer times\n${rows.join('\n')}\n`);
  }

  async stop(): Promise<void> {
    this.grafana.close();
    this.plugin.kill();
    await this.plugin.exited;
  }
}

/** A query's answer is an error of this source and status (and message, when given). */
export function expectError(
  r: DataResponse,
  source: 'downstream' | 'plugin',
  status: number | number[],
  message?: RegExp
): void {
  const statuses = Array.isArray(status) ? status : [status];
  // One comparison, so a failure shows the whole answer (its message says what happened).
  expect({ source: r.errorSource, status: statuses.includes(r.status) ? statuses : r.status, error: r.error }).toEqual({
    source,
    status: statuses,
    error: message ? expect.stringMatching(message) : expect.any(String),
  });
}

/** A TCP port that accepts connections and never sends a byte (a hung broker, a firewall that swallows). */
export async function silentListener(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
