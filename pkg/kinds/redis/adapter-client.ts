/**
 * The client adapters see: the connection as is, but with `pipeline()` swapped for one
 * that suits the deployment.
 *  - Standalone: the lean RESP pipeline of raw-pipeline.ts.
 *  - Cluster: a Cluster rejects a pipeline whose keys span hash slots, and a refresh reads
 *    keys of many queues; commands are sent concurrently instead and, with
 *    auto-pipelining, ioredis batches them per node: one round trip per node.
 */
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { Reply } from './job-system';

type Recorded = [name: string, args: unknown[]];

export function scatterPipeline(cluster: Cluster) {
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
                  (e: Error): Reply => [e, null]
                )
              )
            );
        }
        return (...args: unknown[]) => {
          commands.push([String(prop), args]);
          return shim;
        };
      },
    }
  );
  return shim;
}

export function withPipeline<C extends Redis | Cluster>(client: C, pipeline: () => unknown): C {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === 'pipeline') {
        return pipeline;
      }
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}
