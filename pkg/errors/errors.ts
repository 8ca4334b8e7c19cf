/**
 * Errors that know who is at fault, in Grafana's terms: "downstream" when the broker or
 * the user's input failed, "plugin" when Jobscope did. Handlers turn them into per-query
 * DataResponse errors or resource responses; nothing here knows about gRPC.
 */
import type { ErrorSource } from '../protocol/messages';
import { cutText } from '../reading/text';
import { scrubSecrets } from './scrub';

/**
 * An error message's longest, about: room for a broker's own message and detail, while a
 * value the message quotes (a setting, a queue name, a broker's answer) cannot make the
 * answer or a log line large. The cut message ends with its full size.
 */
export const ERROR_TEXT_BYTES = 4096;

export class JobscopeError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly source: ErrorSource
  ) {
    // Every message that reaches a response or a log passes here or through classify().
    super(cutText(scrubSecrets(message), ERROR_TEXT_BYTES));
  }
}

/** The user's query or settings are wrong (HTTP 400). */
export const badRequest = (message: string) => new JobscopeError(message, 400, 'downstream');
/** A queue, stream or path that does not exist (HTTP 404). */
export const notFound = (message: string) => new JobscopeError(message, 404, 'downstream');
/** The user may not do this, or nobody may (HTTP 403); the message says why. */
export const forbidden = (message: string) => new JobscopeError(message, 403, 'downstream');
/** The broker is down, refused, or answered with an error (HTTP 502). */
export const brokerFailed = (message: string) => new JobscopeError(message, 502, 'downstream');

/** The broker (or a node of it) did not answer within the data source's time bound (HTTP 504). */
export const timedOut = (message: string) => new JobscopeError(message, 504, 'downstream');

/** Anything not classified is our fault. */
export function classify(err: unknown): JobscopeError {
  if (err instanceof JobscopeError) {
    return err;
  }
  const message = err instanceof Error ? err.message : String(err);
  return new JobscopeError(message, 500, 'plugin');
}

/** A URL without its password, for messages and logs; `fallback` when it does not parse. */
export function safeUrl(url: string, fallback = '(invalid URL)'): string {
  try {
    const u = new URL(url);
    if (u.password) {
      u.password = '***';
    }
    return u.toString();
  } catch {
    return fallback;
  }
}

/** A URL as the user typed it, for "is not valid" messages: userinfo scrubbed. */
export const shownUrl = (url: string): string => scrubSecrets(url);
