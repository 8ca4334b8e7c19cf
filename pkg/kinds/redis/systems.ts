/** The Redis-based job systems Jobscope reads, built from the data source settings. */
import type { RedisSettings } from './settings';
import type { RedisJobSystem } from './job-system';
import { BullMQSystem } from './systems/bullmq/bullmq';
import { BullSystem } from './systems/bull/bull';
import { CelerySystem } from './systems/celery/celery';
import { DEFAULT_VISIBILITY_TIMEOUT } from './systems/celery/keys';
import { DEFAULT_PREFIX } from './systems/bullmq/keys';
import { RQSystem } from './systems/rq/rq';
import { SidekiqSystem } from './systems/sidekiq/sidekiq';

export function redisJobSystems(
  settings: Pick<RedisSettings, 'bullPrefix' | 'sidekiqNamespace' | 'celeryVisibilityTimeout' | 'rqPrefix'>
): RedisJobSystem[] {
  const bullPrefix = settings.bullPrefix || DEFAULT_PREFIX;
  return [
    new BullMQSystem(bullPrefix),
    new BullSystem(bullPrefix),
    new SidekiqSystem(settings.sidekiqNamespace),
    new CelerySystem(settings.celeryVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT),
    new RQSystem(settings.rqPrefix),
  ];
}
