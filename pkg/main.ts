/** Entry point Grafana launches: wire the handlers to the plugin server, nothing more. */
import { servePlugin } from './protocol/server';
import { HandshakeError } from './protocol/handshake';
import { logger } from './logging/logger';
import { Datasource } from './handlers/datasource';
import { backendHandlers } from './handlers/backend';
import { installProcessGuards } from './protocol/process-guards';

async function main(): Promise<void> {
  // Grafana's own plugins ignore SIGINT (a Ctrl-C in Grafana's terminal reaches the whole
  // process group); Grafana stops us with Shutdown or SIGTERM. Both handlers are in place
  // before the handshake line, so no signal can arrive unhandled.
  process.on('SIGINT', () => undefined);
  let terminate: () => void = () => process.exit(0);
  process.on('SIGTERM', () => terminate());
  const ds = new Datasource(logger);
  // One data source's broken broker or settings must never end the process serving all.
  installProcessGuards(logger, (kind) => ds.metrics.uncaughtErrors.add({ kind }, 1));
  const plugin = await servePlugin(backendHandlers(ds), logger);
  terminate = () => void plugin.stop('SIGTERM');
  await plugin.stopped;
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    if (err instanceof HandshakeError) {
      process.stderr.write(err.message + '\n');
    } else {
      logger.error('plugin failed to start', { error: err.message });
    }
    process.exit(1);
  }
);
