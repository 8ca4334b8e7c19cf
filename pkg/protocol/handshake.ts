/**
 * go-plugin's start-up contract, as Grafana's plugin loader applies it: a magic cookie in
 * the environment, an agreed protocol version, then exactly one line on stdout naming the
 * listening address once it is ready.
 */
import * as os from 'os';
import * as path from 'path';

export const MAGIC_COOKIE_KEY = 'grafana_plugin_type';
export const MAGIC_COOKIE_VALUE = 'datasource';
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 2;

export class HandshakeError extends Error {}

/** Refuses to run outside a plugin host, with go-plugin's explanation for humans. */
export function checkEnvironment(env: NodeJS.ProcessEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      'This binary is a plugin. These are not meant to be executed directly.\n' +
        'Please execute the program that consumes these plugins, which will\n' +
        'load any plugins automatically (for Jobscope: Grafana).'
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
  if (offered.length > 0 && !offered.includes(String(APP_PROTOCOL_VERSION))) {
    throw new HandshakeError(
      `Grafana offered plugin protocol versions ${offered.join(',')}; Jobscope speaks version ${APP_PROTOCOL_VERSION}.`
    );
  }
}

export interface ListenAddress {
  network: 'unix' | 'tcp';
  /** What grpc-js binds to. */
  bind: string;
  /** What the handshake line advertises. */
  advertised: string;
}

/** go-plugin listens on a unix socket everywhere but Windows; so do we. */
export function unixSocketAddress(env: NodeJS.ProcessEnv): ListenAddress {
  const dir = env.PLUGIN_UNIX_SOCKET_DIR || os.tmpdir();
  const file = path.join(dir, `jobscope-plugin-${process.pid}-${Date.now().toString(36)}.sock`);
  return { network: 'unix', bind: `unix:${file}`, advertised: file };
}

/** TCP candidates in Grafana's PLUGIN_MIN_PORT..PLUGIN_MAX_PORT range, starting at a random offset. */
export function tcpPortCandidates(env: NodeJS.ProcessEnv): number[] {
  const min = Number(env.PLUGIN_MIN_PORT) || 10000;
  const max = Number(env.PLUGIN_MAX_PORT) || 25000;
  const span = Math.max(1, max - min + 1);
  const start = Math.floor(Math.random() * span);
  return Array.from({ length: Math.min(span, 50) }, (_, i) => min + ((start + i) % span));
}

export function handshakeLine(address: ListenAddress): string {
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|${address.network}|${address.advertised}|grpc\n`;
}
