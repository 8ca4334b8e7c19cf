/**
 * The Sidekiq recipe of this folder run against one Redis database: Debian's Sidekiq 6.4
 * (/usr/bin/sidekiq) working jobs.rb, and the Ruby scripts beside it (producer.rb enqueues,
 * parity.rb prints Sidekiq's own API numbers). Shared by the Sidekiq system test and the
 * contract fixture, each on a database of its own (Sidekiq without a namespace needs one).
 */
import { ChildProcess, execFile, spawn } from 'child_process';
import type Redis from 'ioredis';
import { waitUntil } from '../../support/redis';

/** Runs one of this folder's Ruby scripts with REDIS_URL = `url`; resolves to its stdout. */
export function ruby(script: string, url: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      '/usr/bin/ruby',
      [script],
      { cwd: __dirname, env: { ...process.env, REDIS_URL: url } },
      (err, stdout, stderr) => (err ? reject(new Error(`${script}: ${err.message}\n${stderr}`)) : resolve(stdout))
    )
  );
}

/** Deletes the database's keys, but those `keep` names. */
export async function deleteKeys(redis: Redis, keep: (key: string) => boolean = () => false): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const mine = keys.filter((k) => !keep(k));
    if (mine.length) {
      await redis.unlink(...mine);
    }
  } while (cursor !== '0');
}

/**
 * Starts Sidekiq (3 threads on default, critical and slow; nobody serves backlog) and waits
 * until it has run what producer.rb enqueued and beaten: 2 jobs in retry, 3 dead, 10 or more
 * processed, the slow one running. Stats reach Redis on the next heartbeat (every 5 s in
 * 6.x). If that does not come, Sidekiq is stopped and the error quotes what it said.
 */
export async function startSidekiq(url: string, redis: Redis): Promise<ChildProcess> {
  const log: string[] = [];
  const sidekiq = spawn(
    '/usr/bin/sidekiq',
    ['-r', './jobs.rb', '-c', '3', '-t', '1', '-q', 'default', '-q', 'critical', '-q', 'slow'],
    {
      cwd: __dirname,
      env: { ...process.env, REDIS_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    }
  );
  sidekiq.stdout!.on('data', (d) => log.push(String(d)));
  sidekiq.stderr!.on('data', (d) => log.push(String(d)));
  await waitUntil(
    'Sidekiq to run every job and beat',
    async () => {
      const [retry, dead, processed, [id]] = await Promise.all([
        redis.zcard('retry'),
        redis.zcard('dead'),
        redis.get('stat:processed'),
        redis.smembers('processes'),
      ]);
      return retry === 2 && dead === 3 && Number(processed) >= 10 && !!id && (await redis.hlen(`${id}:workers`)) === 1;
    },
    30_000
  ).catch(async (err) => {
    await stopSidekiq(sidekiq);
    throw new Error(`${err.message}; Sidekiq said:\n${log.join('').slice(-3000)}`);
  });
  return sidekiq;
}

/** Stops Sidekiq if it still runs (resumed first, should a test have frozen it), waiting up to 15 s. */
export async function stopSidekiq(sidekiq: ChildProcess | undefined): Promise<void> {
  if (sidekiq && sidekiq.exitCode === null && sidekiq.signalCode === null) {
    const exited = new Promise((r) => sidekiq.once('exit', r));
    sidekiq.kill('SIGCONT');
    sidekiq.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000).unref())]);
  }
}
