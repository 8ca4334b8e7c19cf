/** CollectMetrics: the plugin's own metrics, Prometheus text. */
import { sampleProcess } from '../metrics/registry';
import { redisTraffic } from '../kinds/redis/traffic';
import type { Datasource } from './datasource';

export async function collectMetrics(ds: Datasource): Promise<string> {
  sampleProcess(ds.metrics);
  ds.metrics.redisRoundTrips.set({}, redisTraffic.roundTrips);
  ds.metrics.redisCommands.set({}, redisTraffic.commands);
  return ds.metrics.registry.render();
}
