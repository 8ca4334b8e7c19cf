/**
 * The last resort: an error nothing caught (a library's stray rejection, a throw in an
 * event handler) is logged and the process keeps serving. Node's default would end the
 * process and, with it, every data source's queries and alert evaluations. Root causes
 * are fixed where they arise; reaching this is a bug, logged as an error with a stack
 * that carries no absolute path, and counted.
 */
import type { Logger } from '../logging/logger';
import { relativiseStack } from '../errors/scrub';

export function installProcessGuards(log: Logger, onCaught: (kind: string) => void = () => undefined): void {
  const report = (kind: 'unhandledRejection' | 'uncaughtException') => (reason: unknown) => {
    onCaught(kind);
    const err = reason instanceof Error ? reason : new Error(String(reason));
    log.error(`${kind} (kept serving)`, { error: err.message, stack: relativiseStack(err.stack ?? '') });
  };
  process.on('unhandledRejection', report('unhandledRejection'));
  process.on('uncaughtException', report('uncaughtException'));
}
