/** The Redis-based job systems Jobscope reads, built from the data source settings. */
import type { JobscopeSettings } from '../../query/model';
import type { RedisJobSystem } from './job-system';
import { BullMQSystem } from '../bullmq/bullmq';
import { CelerySystem, visibilityTimeoutOf } from '../celery/celery';
import { DEFAULT_PREFIX } from '../bullmq/keys';
import { RQSystem } from '../rq/rq';

export function redisJobSystems(settings: JobscopeSettings): RedisJobSystem[] {
  const bullPrefix = settings.bullPrefix || DEFAULT_PREFIX;
  return [new BullMQSystem(bullPrefix), new RQSystem(settings.rqPrefix || undefined), new CelerySystem(visibilityTimeoutOf(settings))];
}
