/**
 * Checks every kind's settings share: typed reads of jsonData fields, URLs, PEM
 * certificates, and the settings common to all kinds (payload limit, time bound, live
 * refresh, discovery pattern). Each throws a downstream 400 naming the setting and what
 * it must be, so a mistake in the settings is never blamed on the broker or on Jobscope.
 */
import { X509Certificate } from 'crypto';
import { badRequest, shownUrl } from '../errors/errors';
import { globListProblem } from '../query/glob';
import { DEFAULT_PAYLOAD_LIMIT } from '../reading/payload';

export type Json = Record<string, unknown>;

/** Default bound on every call to a broker (connect and each command), in seconds. */
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const MAX_TIMEOUT_SECONDS = 300;
/** Live panels never poll faster than this. */
export const MIN_STREAM_INTERVAL_MS = 500;

const show = (v: unknown): string =>
  typeof v === 'string' ? JSON.stringify(shownUrl(v)) : (JSON.stringify(v) ?? String(v));

/** A text setting: absent or blank → undefined, anything but a string → 400. */
export function optionalText(json: Json, key: string, what = 'text'): string | undefined {
  const v = json[key];
  if (v === undefined || v === null) {
    return undefined;
  }
  if (typeof v !== 'string') {
    throw badRequest(`setting ${key}: must be ${what}, got ${show(v)}`);
  }
  return v.trim() === '' ? undefined : v.trim();
}

/** A switch: absent → false; only true/false accepted. */
export function optionalFlag(json: Json, key: string): boolean {
  const v = json[key];
  if (v === undefined || v === null) {
    return false;
  }
  if (typeof v !== 'boolean') {
    throw badRequest(`setting ${key}: must be true or false, got ${show(v)}`);
  }
  return v;
}

/**
 * A whole number within bounds: the editors write JSON numbers, provisioning files may
 * hold strings of digits. Absent, blank or 0 (the editors' "unset") → undefined.
 */
export function optionalInteger(json: Json, key: string, min: number, max: number, unit = ''): number | undefined {
  const v = json[key];
  if (v === undefined || v === null || v === '' || v === 0) {
    return undefined;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw badRequest(`setting ${key}: must be a whole number from ${min} to ${max}${unit}, got ${show(v)}`);
  }
  return n;
}

/** A comma-separated list setting (a string) or a JSON list of strings. */
export function optionalList(json: Json, key: string, what: string): string[] {
  const v = json[key];
  if (v === undefined || v === null) {
    return [];
  }
  const items =
    typeof v === 'string'
      ? v.split(',')
      : Array.isArray(v) && v.every((i) => typeof i === 'string')
        ? (v as string[])
        : undefined;
  if (!items) {
    throw badRequest(`setting ${key}: must be ${what}, got ${show(v)}`);
  }
  return items.map((s) => s.trim()).filter(Boolean);
}

/**
 * A URL with one of `schemes` (without the colon), parsed by WHATWG rules; a bad port,
 * an unclosed `[`, another scheme → 400 naming the setting. Userinfo never shows.
 */
export function parseUrl(raw: string, key: string, schemes: readonly string[], example: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw badRequest(`setting ${key}: ${show(raw)} is not a valid URL (bad host or port?); expected ${example}`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1).toLowerCase())) {
    throw badRequest(
      `setting ${key}: must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got ${show(url.protocol + '//')}; expected ${example}`
    );
  }
  if (!url.hostname) {
    throw badRequest(`setting ${key}: ${show(raw)} names no host; expected ${example}`);
  }
  return url;
}

/** A DNS name's longest (RFC 1035); a longer host is a mistake, not a broker to try. */
const MAX_HOST_LENGTH = 253;

/** `host:port` with a port from 1 to 65535 (IPv6 hosts in brackets); `defaultPort` when none is given. */
export function parseHostPort(text: string, key: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/]+)(?::(\d{1,5}))?$/.exec(text.trim());
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || port < 1 || port > 65535 || m[1].length > MAX_HOST_LENGTH) {
    throw badRequest(`setting ${key}: "${text}" is not host:port (a host name, port 1 to 65535)`);
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

/**
 * PEM text holding one or more certificates, each parsed, so a pasted key, a truncated
 * block or garbage is refused here instead of failing later as if the broker had.
 */
export function pemCertificates(pem: string | undefined, key: string): string | undefined {
  if (!pem || pem.trim() === '') {
    return undefined;
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) {
    throw badRequest(`setting ${key}: must hold PEM certificates (-----BEGIN CERTIFICATE----- …), and it holds none`);
  }
  blocks.forEach((block, i) => {
    try {
      new X509Certificate(block);
    } catch {
      throw badRequest(`setting ${key}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate`);
    }
  });
  return pem;
}

/** Settings every kind shares. */
export interface CommonSettings {
  /** Preview size of payloads in job lists, bytes. */
  payloadLimit: number;
  /** Bound on connecting and on each command or request, ms. */
  timeoutMs: number;
  /** Live refresh period, ms (undefined: the plugin's default). */
  streamIntervalMs?: number;
  /** Glob limiting discovered queue names. */
  discoveryPattern?: string;
}

export function commonSettings(json: Json): CommonSettings {
  const discoveryPattern = optionalText(json, 'discoveryPattern', 'a queue-name glob (text)');
  const tooLong = discoveryPattern ? globListProblem([discoveryPattern], 'discoveryPattern') : undefined;
  if (tooLong) {
    throw badRequest(`setting ${tooLong}`);
  }
  return {
    payloadLimit: optionalInteger(json, 'payloadLimitBytes', 1, 64 * 1024 * 1024, ' bytes') ?? DEFAULT_PAYLOAD_LIMIT,
    timeoutMs:
      (optionalInteger(json, 'timeoutSeconds', 1, MAX_TIMEOUT_SECONDS, ' seconds') ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    // Faster than the minimum was always clamped, not refused: older settings keep working.
    streamIntervalMs: clampInterval(optionalInteger(json, 'streamIntervalMs', 1, 24 * 3600 * 1000, ' ms')),
    discoveryPattern,
  };
}

const clampInterval = (ms: number | undefined) => (ms === undefined ? undefined : Math.max(MIN_STREAM_INTERVAL_MS, ms));

/** The time bound of a data source whose settings may not have been validated yet (handlers' last guard). */
export function timeoutMsOf(json: Json): number {
  try {
    return commonSettings(json).timeoutMs;
  } catch {
    return DEFAULT_TIMEOUT_SECONDS * 1000;
  }
}
