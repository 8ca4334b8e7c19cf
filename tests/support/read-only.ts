/**
 * Proof that a set of queries only reads: the packaged plugin connects as a Redis ACL user
 * that may run nothing but read commands (plus the connection handshake and the INFO /
 * CLIENT LIST introspection), every query must answer without error, and a MONITOR capture
 * of that user's connections must hold no command that Redis flags as a write.
 */
import { randomBytes } from 'crypto';
import Redis from 'ioredis';
import { startPlugin } from '../harness/plugin-process';
import { DatasourceSettings, GrafanaClient, QuerySpec } from '../harness/grpc-client';
import { REDIS_HOST, REDIS_PORT, testRedis } from './redis';

/** What the read-only user may run: Redis' @read category and the connection handshake. */
export const READ_ONLY_ACL = [
  '-@all',
  '+@read',
  '+hello',
  '+auth',
  '+select',
  '+ping',
  '+client|setname',
  '+client|list',
  '+info',
  '+command',
];

export interface ReadOnlyReport {
  commands: string[];
  writes: string[];
  errors: Record<string, string>;
}

export async function runAsReadOnlyUser(
  jsonData: Record<string, unknown>,
  queries: QuerySpec[]
): Promise<ReadOnlyReport> {
  const admin = testRedis();
  const user = `jobscope-ro-${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  await admin.call('ACL', 'SETUSER', user, 'on', `>${password}`, '~*', '&*', ...READ_ONLY_ACL);
  const monitor = new Redis({ host: REDIS_HOST, port: REDIS_PORT });
  const lines: Array<{ addr: string; args: string[] }> = [];
  const plugin = await startPlugin();
  const grafana = new GrafanaClient(plugin.target);
  try {
    const m = await monitor.monitor();
    m.on('monitor', (_time: string, args: string[], source: string) =>
      lines.push({ addr: source.split(' ')[1] ?? source, args })
    );
    const ds: DatasourceSettings = {
      uid: `ro-${user}`,
      jsonData: { ...jsonData, username: user },
      secureJsonData: { password },
    };
    const health = await grafana.checkHealth(ds);
    const errors: Record<string, string> = {};
    if (health.status !== 1) {
      errors.health = health.message;
    }
    const responses = await grafana.queryData(ds, queries);
    for (const [refId, r] of Object.entries(responses)) {
      if (r.error) {
        errors[refId] = r.error;
      }
    }
    const resource = await grafana.callResource(ds, 'GET', 'queues');
    if (resource.code !== 200) {
      errors.resource = resource.body;
    }
    await new Promise((r) => setTimeout(r, 200)); // let MONITOR catch up
    m.disconnect();
    const clients = ((await admin.call('CLIENT', 'LIST')) as string)
      .split('\n')
      .filter((l) => l.includes(` user=${user} `));
    const addrs = new Set(clients.map((l) => /addr=(\S+)/.exec(l)![1]));
    const mine = lines.filter((l) => addrs.has(l.addr));
    const names = [...new Set(mine.map((l) => l.args[0].toLowerCase()))].sort();
    const writes: string[] = [];
    for (const name of names) {
      const [info] = (await admin.call('COMMAND', 'INFO', name)) as any[];
      if (info && (info[2] as string[]).includes('write')) {
        writes.push(name);
      }
    }
    return { commands: names, writes, errors };
  } finally {
    grafana.close();
    plugin.kill();
    monitor.disconnect();
    await admin.call('ACL', 'DELUSER', user);
    admin.disconnect();
  }
}

/** One query of each type, with the states that exist for the listed systems. */
export function everyQueryType(extra: Record<string, unknown> = {}): QuerySpec[] {
  return [
    { refId: 'overview', json: { queryType: 'overview', ...extra } },
    { refId: 'timeseries', json: { queryType: 'timeseries', ...extra } },
    { refId: 'failures', json: { queryType: 'failures', ...extra } },
    ...(['failed', 'dead', 'retry', 'delayed', 'waiting', 'active', 'stalled', 'completed'] as const).map((state) => ({
      refId: `jobs-${state}`,
      json: { queryType: 'jobs', state, ...extra },
    })),
    { refId: 'workers', json: { queryType: 'workers', ...extra } },
    { refId: 'queues', json: { queryType: 'queues', ...extra } },
  ];
}
