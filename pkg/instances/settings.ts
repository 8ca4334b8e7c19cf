/**
 * Data source settings (jsonData + decrypted secure fields) → a validated config.
 * Secrets stay in this object; nothing here logs.
 */
import { DATASOURCE_KINDS, DatasourceKind, JobscopeSecureSettings, JobscopeSettings } from '../model/query';
import { badRequest } from '../errors/errors';
import { rememberSecrets } from '../errors/scrub';
import type { DataSourceInstanceSettings } from '../protocol/messages';

export interface DatasourceConfig {
  uid: string;
  name: string;
  kind: DatasourceKind;
  json: JobscopeSettings;
  secure: JobscopeSecureSettings;
  /** Identifies this version of the settings: a change means a new connection. */
  version: number;
}

export function parseSettings(settings: DataSourceInstanceSettings | null | undefined): DatasourceConfig {
  if (!settings) {
    throw badRequest('the request carries no data source settings');
  }
  let json: JobscopeSettings;
  const raw = settings.jsonData?.length ? settings.jsonData.toString('utf8') : '{}';
  try {
    json = JSON.parse(raw);
  } catch {
    throw badRequest('data source settings (jsonData) are not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw badRequest(
      `data source settings (jsonData) must be a JSON object, got ${json === null ? 'null' : Array.isArray(json) ? 'a list' : typeof json}`
    );
  }
  const kind = json.kind ?? 'redis';
  if (!DATASOURCE_KINDS.includes(kind)) {
    throw badRequest(`unknown data source kind "${String(kind)}"; expected one of ${DATASOURCE_KINDS.join(', ')}`);
  }
  // Secure values are known from here on: no message or log line may carry them.
  rememberSecrets(Object.values(settings.decryptedSecureJsonData ?? {}), [
    typeof json.username === 'string' ? json.username : undefined,
    userOf(typeof json.url === 'string' ? json.url : settings.url),
  ]);
  if (json.url !== undefined && typeof json.url !== 'string') {
    throw badRequest(`setting url: must be text, got ${JSON.stringify(json.url)}`);
  }
  const url = json.url || settings.url;
  return {
    uid: settings.uid,
    name: settings.name,
    kind,
    json: { ...json, url },
    secure: settings.decryptedSecureJsonData ?? {},
    version: Number(settings.lastUpdatedMS) || 0,
  };
}

/** The user name of a URL, if it parses and has one. */
function userOf(url: string | undefined): string | undefined {
  try {
    return decodeURIComponent(new URL(url ?? '').username) || undefined;
  } catch {
    return undefined;
  }
}
