/**
 * hclog-style JSON logging on stderr: go-plugin (and so Grafana) parses each line as
 * {"@level","@message","@timestamp", ...fields} and re-logs it under the plugin's name.
 * Stdout is reserved for the handshake line.
 */
import { scrubSecrets } from '../errors/scrub';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/** hclog's timestamp layout: microseconds and a numeric zone (2006-01-02T15:04:05.000000Z07:00). */
export function hclogTimestamp(date: Date): string {
  const iso = date.toISOString(); // 2026-11-23T19:28:10.123Z
  return `${iso.slice(0, 23)}000+00:00`;
}

export type Fields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  log(level: Level, message: string, fields?: Fields): void;
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

export function createLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
  minLevel: Level = 'debug'
): Logger {
  const log = (level: Level, message: string, fields: Fields = {}) => {
    if (ORDER[level] < ORDER[minLevel]) {
      return;
    }
    // Scrubbed here, so that no caller can log a URL's userinfo or a secure field's value.
    const clean: Fields = {};
    for (const [k, v] of Object.entries(fields)) {
      clean[k] = typeof v === 'string' ? scrubSecrets(v) : v;
    }
    const line = {
      '@level': level,
      '@message': scrubSecrets(message),
      '@timestamp': hclogTimestamp(new Date()),
      ...clean,
    };
    write(JSON.stringify(line) + '\n');
  };
  return {
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  };
}

export const logger = createLogger();
