/**
 * The one place secrets are taken out of text that leaves the process: error messages
 * (JobscopeError, classify), health messages, every log line and stack traces. Two kinds
 * of secret are removed: a URL's password (`redis://:PW@host` → `redis://:***@host`, also
 * in URLs too broken to parse), and the secure fields' values of every data source seen
 * (passwords, keys), wherever a library echoes them.
 */
import * as path from 'path';

/**
 * `scheme://user:password@`: the password, up to the last `@` before whitespace or a
 * quote (a password may hold `@` or `/` when the URL is too broken to parse; scrubbing too
 * much is harmless). A user name alone is kept: messages name the user to check.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/"'`<>]*):[^\s"'`<>]*@/gi;

/** Values shorter than this are not matched as text (a 1-letter password would mangle every message). */
const MIN_SECRET_LENGTH = 4;
/** Bounded: settings change rarely, but an unbounded set would grow with every edit. */
const MAX_SECRETS = 1000;
const secrets = new Set<string>();

/**
 * Remembers secure field values so that no message or log line can carry them. A value
 * that is also shown openly (`shown`: the user name, when a password equals it) is not
 * a secret worth hiding the user name for.
 */
export function rememberSecrets(values: Iterable<string | undefined>, shown: Array<string | undefined> = []): void {
  for (const v of values) {
    if (typeof v === 'string' && v.length >= MIN_SECRET_LENGTH && !secrets.has(v) && !shown.includes(v)) {
      if (secrets.size >= MAX_SECRETS) {
        secrets.delete(secrets.values().next().value as string);
      }
      secrets.add(v);
      // PEM keys and certificates are also quoted line by line by TLS libraries.
      v.split(/\r?\n/)
        .filter((line) => line.length >= 16 && !/^-----/.test(line))
        .forEach((line) => secrets.add(line));
    }
  }
}

/** Text without URL userinfo or any remembered secret. */
export function scrubSecrets(text: string): string {
  let out = text.replace(URL_PASSWORD, '$1$2:***@');
  for (const s of secrets) {
    if (out.includes(s)) {
      out = out.split(s).join('***');
    }
  }
  return out;
}

/**
 * A stack trace without absolute paths: the packaged executable runs one bundled script
 * whose frames name the executable's install path (and, for a bundle run with node, the
 * build machine's); frames keep only the file's base name and position.
 */
export function relativiseStack(stack: string): string {
  // An absolute path starts a frame's location: after "at " or "(" (node:internal frames stay).
  return scrubSecrets(stack).replace(
    /(?<=[\s(])(?:file:\/\/)?(?:[A-Za-z]:)?[\\/][^\s():]*[\\/]([^\s\\/():]+)(?=:\d+)/g,
    (_m, base: string) => path.basename(base)
  );
}
