/**
 * A throw-away PostgreSQL server for one test file: initdb into a temporary directory,
 * the test's own pg_hba.conf and settings (TLS, ports), pg_ctl start on a free loopback
 * port, and stop() that shuts it down and removes every file. initdb refuses to run as
 * root, so as root the server runs as the `postgres` system user (runuser), owning the
 * directory. Debian's binaries are used unless JOBSCOPE_PG_BIN names another directory.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort } from './tls';

const BIN = process.env.JOBSCOPE_PG_BIN || '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgres {
  port: number;
  /** The temporary directory: data/, the unix socket and server.log. */
  dir: string;
  /** The server's log so far (for failure messages and log assertions). */
  log(): string;
  /** Stops the server (immediate shutdown) and removes the directory; safe to call twice. */
  stop(): void;
}

export interface ThrowawayOptions {
  /** pg_hba.conf lines, replacing initdb's. */
  hba: string[];
  /** postgresql.conf settings; file names may refer to `files` written into data/. */
  settings?: Record<string, string>;
  /** Files written into the data directory, readable by the server only (keys need 0600). */
  files?: Record<string, string>;
}

const asRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[]): void {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', path.join(BIN, cmd), ...args]]
    : [path.join(BIN, cmd), args];
  execFileSync(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

export async function startThrowawayPostgres(options: ThrowawayOptions): Promise<ThrowawayPostgres> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jobscope-pg-'));
  const data = path.join(dir, 'data');
  const logFile = path.join(dir, 'server.log');
  let started = false;
  let stopped = false;
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const stop = () => {
    if (stopped) {
      return;
    }
    stopped = true;
    if (started) {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']);
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (asRoot) {
      execFileSync('chown', ['postgres:postgres', dir]);
    }
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
    for (const [name, content] of Object.entries(options.files ?? {})) {
      fs.writeFileSync(path.join(data, name), content, { mode: 0o600 });
    }
    fs.writeFileSync(path.join(data, 'pg_hba.conf'), options.hba.join('\n') + '\n');
    const port = await freePort();
    const settings: Record<string, string> = {
      port: String(port),
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir}'`,
      fsync: 'off',
      max_connections: '20',
      shared_buffers: "'16MB'",
      ...options.settings,
    };
    fs.appendFileSync(
      path.join(data, 'postgresql.conf'),
      '\n' +
        Object.entries(settings)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n') +
        '\n'
    );
    if (asRoot) {
      execFileSync('chown', ['-R', 'postgres:postgres', dir]);
    }
    started = true;
    try {
      run('pg_ctl', ['-D', data, '-l', logFile, '-w', '-t', '30', 'start']);
    } catch (err) {
      throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log()}`);
    }
    return { port, dir, log, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
