/**
 * Payloads over MAX_READ_BYTES. Redis cannot read part of a hash field without a script
 * (there is no HGETRANGE), so a large body is either read whole or not at all: a job list
 * reads large bodies whole while this budget lasts, and their preview is cut to the payload
 * limit like any other; past it a body is reported by size, its kind "unread".
 */
import type { Payload } from '../../reading/rows';

/** Bytes of bodies over MAX_READ_BYTES one job list read may pull from Redis. */
export const LARGE_BODY_BUDGET = 16 * 1024 * 1024;

export class LargeBodyBudget {
  private left = LARGE_BODY_BUDGET;

  /** True (and spent) when a body of `bytes` may be read. */
  take(bytes: number): boolean {
    if (bytes > this.left) {
      return false;
    }
    this.left -= bytes;
    return true;
  }
}

/** A body left unread: its size, no preview, and a kind that says so (not "text"). */
export function unreadPayload(bytes: number): Payload {
  return { preview: '', bytes, truncated: bytes > 0, kind: bytes > 0 ? 'unread' : 'none' };
}

export function unreadNotice(where: string, bytes: number): string {
  return `${where}: payload of ${bytes} bytes not read (a job list reads at most ${LARGE_BODY_BUDGET / 1024 / 1024} MiB of payloads over 1 MiB); size shown`;
}
