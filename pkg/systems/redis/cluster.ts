/**
 * Redis Cluster without changing the adapters: a Cluster rejects a pipeline whose keys
 * span hash slots, and a refresh reads keys of many queues. The client handed to adapters
 * therefore turns `pipeline()` into commands sent concurrently; with auto-pipelining,
 * ioredis batches them per node, so a "round trip" costs one per node instead of one.
 */
import type { Cluster } from 'ioredis';
import type { Reply } from './job-system';

type Recorded = [name: string, args: unknown[]];

function scatterPipeline(cluster: Cluster) {
  const commands: Recorded[] = [];
  const shim: Record<string | symbol, unknown> = new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'length') {
          return commands.length;
        }
        if (prop === 'exec') {
          return (): Promise<Reply[]> =>
            Promise.all(
              commands.map(([name, args]) =>
                (cluster as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name](...args).then(
                  (v): Reply => [null, v],
                  (e: Error): Reply => [e, null],
                ),
              ),
            );
        }
        return (...args: unknown[]) => {
          commands.push([String(prop), args]);
          return shim;
        };
      },
    },
  );
  return shim;
}

/** The Cluster as adapters see it: everything as is, but `pipeline()` scattered per node. */
export function clusterForAdapters(cluster: Cluster): Cluster {
  return new Proxy(cluster, {
    get(target, prop) {
      if (prop === 'pipeline') {
        return () => scatterPipeline(target);
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
