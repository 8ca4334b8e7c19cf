/**
 * Starts the packaged backend exactly as Grafana does: the executable from dist/, no
 * arguments, Grafana's working directory (not the plugin's), Grafana's environment (no
 * PATH, as with pluginsSkipHostEnvVars), then reads the go-plugin handshake line.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The packaged executable; JOBSCOPE_PLUGIN_EXECUTABLE points at another build. */
export const EXECUTABLE =
  process.env.JOBSCOPE_PLUGIN_EXECUTABLE || path.resolve(__dirname, '../../dist/datasource/gpx_jobscope_linux_amd64');

export interface Handshake {
  coreVersion: number;
  appVersion: number;
  network: 'unix' | 'tcp';
  address: string;
  protocol: string;
  /** ms from spawn to the handshake line. */
  startMs: number;
}

export interface PluginProcess {
  child: ChildProcess;
  handshake: Handshake;
  /** Every stderr line, for log assertions. */
  stderr: string[];
  /** Resolves with the exit code (or signal) when the process exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The gRPC target for grpc-js. */
  target: string;
  kill(signal?: NodeJS.Signals): void;
}

const HANDSHAKE = /^(\d+)\|(\d+)\|(unix|tcp)\|([^|]+)\|(grpc|netrpc)(\|.*)?$/;

export function grafanaEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    grafana_plugin_type: 'datasource',
    PLUGIN_PROTOCOL_VERSIONS: '2',
    PLUGIN_MIN_PORT: '10000',
    PLUGIN_MAX_PORT: '25000',
    GF_VERSION: '12.4.0',
    GF_EDITION: 'Open Source',
    GF_PLUGIN_APP_CLIENT_SECRET: '',
    ...extra,
  };
}

export function parseHandshake(line: string, startMs: number): Handshake {
  const m = HANDSHAKE.exec(line);
  if (!m) {
    throw new Error(`malformed handshake line: ${JSON.stringify(line)}`);
  }
  return {
    coreVersion: Number(m[1]),
    appVersion: Number(m[2]),
    network: m[3] as 'unix' | 'tcp',
    address: m[4],
    protocol: m[5],
    startMs,
  };
}

export async function startPlugin(
  options: { env?: Record<string, string>; executable?: string; timeoutMs?: number } = {}
): Promise<PluginProcess> {
  const executable = options.executable ?? EXECUTABLE;
  if (!fs.existsSync(executable)) {
    throw new Error(`${executable} is missing: run npm run build first`);
  }
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'grafana-cwd-'));
  const started = Date.now();
  const child = spawn(executable, [], { cwd, env: grafanaEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    stderr.push(...lines.filter(Boolean));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      // The working directory Grafana would have given it: gone with the process.
      fs.rmSync(cwd, { recursive: true, force: true });
      resolve({ code, signal });
    })
  );
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('no handshake within the time Grafana allows')),
      options.timeoutMs ?? 60_000
    );
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`plugin exited with ${code} before its handshake; stderr: ${stderr.join('\n')}${partial}`));
    });
  });
  const handshake = parseHandshake(firstLine, Date.now() - started);
  return {
    child,
    handshake,
    stderr,
    exited,
    target: handshake.network === 'unix' ? `unix:${handshake.address}` : handshake.address,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
    },
  };
}
