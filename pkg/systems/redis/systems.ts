/** The Redis-based job systems Jobscope reads, built from the data source settings. */
import type { JobscopeSettings } from '../../query/model';
import type { RedisJobSystem } from './job-system';
import { BullMQSystem } from '../bullmq/bullmq';
import { BullSystem } from '../bull/bull';
import { CelerySystem, visibilityTimeoutOf } from '../celery/celery';
import { DEFAULT_PREFIX } from '../bullmq/keys';
import { RQSystem } from '../rq/rq';
import { SidekiqSystem } from '../sidekiq/sidekiq';

export function redisJobSystems(settings: JobscopeSettings): RedisJobSystem[] {
  const bullPrefix = settings.bullPrefix || DEFAULT_PREFIX;
  return [
    new BullMQSystem(bullPrefix),
    new BullSystem(bullPrefix),
    new SidekiqSystem(settings.sidekiqNamespace ?? ''),
    new CelerySystem(visibilityTimeoutOf(settings)),
    new RQSystem(settings.rqPrefix || undefined),
  ];
}
