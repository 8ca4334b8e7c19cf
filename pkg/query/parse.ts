/** Validates a panel's query JSON against the shared model; bad input is the user's to fix. */
import { badRequest } from '../errors/errors';
import { JOB_STATES, JobscopeQuery, OVERVIEW_METRICS, QUERY_TYPES, SYSTEMS } from '../model/query';
import { globListProblem } from './glob';

export const MAX_LIST_LIMIT = 1000;
/** Rows a job list or failure grouping returns when the query names no limit. */
export const DEFAULT_LIST_LIMIT = 100;

export function parseQuery(refId: string, json: Buffer | string, queryType = ''): JobscopeQuery {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof json === 'string' ? json : json.toString('utf8') || '{}');
  } catch {
    throw badRequest(`query ${refId}: the query model is not valid JSON`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw badRequest(`query ${refId}: the query model must be a JSON object`);
  }
  const q = raw as Record<string, unknown>;
  const type = (q.queryType || queryType || 'overview') as JobscopeQuery['queryType'];
  if (!QUERY_TYPES.includes(type!)) {
    throw badRequest(`query ${refId}: unknown queryType "${String(type)}"; expected one of ${QUERY_TYPES.join(', ')}`);
  }
  if (q.system !== undefined && q.system !== '' && !SYSTEMS.includes(q.system as never)) {
    throw badRequest(`query ${refId}: unknown system "${String(q.system)}"; expected one of ${SYSTEMS.join(', ')}`);
  }
  const queues = q.queues ?? [];
  if (!Array.isArray(queues) || queues.some((v) => typeof v !== 'string')) {
    throw badRequest(`query ${refId}: "queues" must be a list of queue names or patterns`);
  }
  const tooMany = globListProblem(queues as string[], 'queues');
  if (tooMany) {
    throw badRequest(`query ${refId}: ${tooMany}`);
  }
  const metrics = q.metrics ?? [];
  if (!Array.isArray(metrics) || metrics.some((m) => !OVERVIEW_METRICS.includes(m as never))) {
    throw badRequest(`query ${refId}: "metrics" must be a subset of ${OVERVIEW_METRICS.join(', ')}`);
  }
  const limit = parseLimit(q.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= MAX_LIST_LIMIT)) {
    throw badRequest(`query ${refId}: "limit" must be an integer from 1 to ${MAX_LIST_LIMIT}`);
  }
  if (q.state !== undefined && q.state !== '' && !JOB_STATES.includes(q.state as never)) {
    throw badRequest(
      `query ${refId}: unknown job state "${String(q.state)}"; expected one of ${JOB_STATES.join(', ')}`
    );
  }
  if (q.search !== undefined && typeof q.search !== 'string') {
    throw badRequest(`query ${refId}: "search" must be text`);
  }
  return {
    refId,
    queryType: type,
    system: (q.system || undefined) as JobscopeQuery['system'],
    queues: queues.filter((v: string) => v.trim() !== ''),
    metrics: metrics as JobscopeQuery['metrics'],
    limit,
    state: (q.state || undefined) as JobscopeQuery['state'],
    search: (q.search as string | undefined)?.trim() || undefined,
  };
}

/**
 * `limit` as the query editor writes it (a JSON integer), or a string of digits as a
 * dashboard variable may leave it; `true`, `[1]` and `1.5` are refused (NaN), not read as 1.
 */
function parseLimit(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') {
    return undefined;
  }
  if (typeof v === 'number') {
    return v;
  }
  return typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
}
