/** The Redis-based job systems Jobscope reads, built from the data source settings. */
import type { JobscopeSettings } from '../../query/model';
import type { RedisJobSystem } from './job-system';
import { BullMQSystem } from '../bullmq/bullmq';
import { DEFAULT_PREFIX } from '../bullmq/keys';

export function redisJobSystems(settings: JobscopeSettings): RedisJobSystem[] {
  const bullPrefix = settings.bullPrefix || DEFAULT_PREFIX;
  return [new BullMQSystem(bullPrefix)];
}
