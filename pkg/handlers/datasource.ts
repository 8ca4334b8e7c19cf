/**
 * State shared by the handlers: connections per data source and the plugin's metrics.
 * Each protocol handler lives in its own file and receives this.
 */
import { InstanceManager } from '../instances/instance-manager';
import { DatasourceConfig, parseSettings } from '../instances/settings';
import { createSource } from '../instances/create-source';
import type { PluginContext } from '../protocol/messages';
import type { Logger } from '../protocol/logger';
import type { QueueSource } from '../systems/source';
import { pluginMetrics, PluginMetrics } from '../metrics/registry';

export interface StreamOptions {
  /** Poll period of live streams; Grafana users see updates this often. */
  intervalMs: number;
}

export class Datasource {
  readonly metrics: PluginMetrics = pluginMetrics();
  private readonly instances: InstanceManager<DatasourceConfig, QueueSource>;

  constructor(
    readonly log: Logger,
    readonly stream: StreamOptions = { intervalMs: 5000 },
  ) {
    this.instances = new InstanceManager(
      (config) => {
        log.info('opening data source connection', { datasource: config.uid, kind: config.kind });
        return createSource(config, log);
      },
      (err) => log.warn('closing a replaced connection failed', { error: err.message }),
    );
  }

  /** The adapter for the data source a request targets; settings errors throw JobscopeError. */
  async source(ctx: PluginContext): Promise<{ config: DatasourceConfig; source: QueueSource }> {
    const config = parseSettings(ctx.dataSourceInstanceSettings);
    const source = await this.instances.get(config);
    this.metrics.instances.set({}, this.instances.size);
    return { config, source };
  }

  close(): Promise<void> {
    return this.instances.closeAll();
  }
}
