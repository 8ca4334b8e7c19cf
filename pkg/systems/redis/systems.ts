/** The Redis-based job systems Jobscope reads, built from the data source settings. */
import type { RedisSettings } from '../../kinds/redis/settings';
import type { RedisJobSystem } from './job-system';
import { BullMQSystem } from '../bullmq/bullmq';
import { BullSystem } from '../bull/bull';
import { CelerySystem } from '../celery/celery';
import { DEFAULT_VISIBILITY_TIMEOUT } from '../celery/keys';
import { DEFAULT_PREFIX } from '../bullmq/keys';
import { RQSystem } from '../rq/rq';
import { SidekiqSystem } from '../sidekiq/sidekiq';

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
