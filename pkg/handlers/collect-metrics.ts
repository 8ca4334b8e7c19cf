/** CollectMetrics: the plugin's own metrics, Prometheus text. */
import { sampleProcess } from '../metrics/registry';
import type { Datasource } from './datasource';

export async function collectMetrics(ds: Datasource): Promise<string> {
  sampleProcess(ds.metrics);
  return ds.metrics.registry.render();
}
