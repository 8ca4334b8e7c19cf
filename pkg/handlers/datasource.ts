/**
 * State shared by the handlers: connections per data source and the plugin's metrics.
 * Each protocol handler lives in its own file and receives this.
 */
import { InstanceManager } from '../instances/instance-manager';
import { DatasourceConfig, parseSettings } from '../instances/settings';
import { createSource } from '../kinds/create-source';
import type { PluginContext } from '../protocol/messages';
import type { Logger } from '../logging/logger';
import type { QueueSource } from '../source/queue-source';
import { pluginMetrics, PluginMetrics } from '../metrics/registry';
import { withDeadline } from '../errors/deadline';
import { timedOut } from '../errors/errors';
import { timeoutMsOf } from '../kinds/settings-checks';

/** The handlers' last guard answers this long after the data source's own time bound. */
const HANDLER_GRACE_MS = 1000;

export interface StreamOptions {
  /** Poll period of live streams; Grafana users see updates this often. */
  intervalMs: number;
}

export class Datasource {
  readonly metrics: PluginMetrics = pluginMetrics();
  private readonly instances: InstanceManager<DatasourceConfig, QueueSource>;

  constructor(
    readonly log: Logger,
    readonly stream: StreamOptions = { intervalMs: 5000 }
  ) {
    this.instances = new InstanceManager(
      (config) => {
        log.info('opening data source connection', { datasource: config.uid, kind: config.kind });
        return createSource(config, log);
      },
      (err) => log.warn('closing a replaced connection failed', { error: err.message })
    );
  }

  /** The adapter for the data source a request targets; settings errors throw JobscopeError. */
  async source(ctx: PluginContext): Promise<{ config: DatasourceConfig; source: QueueSource }> {
    const config = parseSettings(ctx.dataSourceInstanceSettings);
    const source = await this.instances.get(config);
    this.metrics.instances.set({}, this.instances.size);
    return { config, source };
  }

  /**
   * The last guard on every call: whatever a kind's own connect and command timeouts
   * miss, `work` answers within the data source's time bound plus a second, as a
   * downstream 504 naming what did not answer.
   */
  bounded<T>(ctx: PluginContext, what: string, work: () => Promise<T>): Promise<T> {
    const settings = ctx.dataSourceInstanceSettings;
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(settings?.jsonData?.toString('utf8') || '{}') ?? {};
    } catch {
      // parseSettings reports it
    }
    const ms = timeoutMsOf(json) + HANDLER_GRACE_MS;
    return withDeadline(Promise.resolve().then(work), ms, () =>
      timedOut(
        `${what} on data source "${settings?.name ?? '?'}" (${String(json.kind ?? 'redis')}) did not answer within ${ms / 1000} s`
      )
    );
  }

  close(): Promise<void> {
    return this.instances.closeAll();
  }
}
