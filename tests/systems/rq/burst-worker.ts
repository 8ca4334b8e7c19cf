/**
 * Runs an RQ burst worker to the end of its jobs. RQ's burst worker now and then hangs at
 * exit after its work is done (rq/rq#1613: Worker.unsubscribe() stuck joining the pubsub
 * thread), so the run is judged by RQ's own state, not by the exit alone:
 *   - it exits 0: done;
 *   - RQ's state says it has finished every job (the queue empty, no job in its started
 *     registry, and the worker's death registered in its hash: register_death() comes
 *     after the work loop and before the unsubscribe that hangs) yet it has not exited
 *     GRACE_MS later: its process group is killed and the run counts as done;
 *   - it exits otherwise, or is still working at the deadline: the run fails, saying how it
 *     ended (code, signal, the jobs left) with the end of its log.
 */
import { spawn } from 'child_process';
import type Redis from 'ioredis';

const GRACE_MS = 5_000;
const POLL_MS = 250;

export interface BurstRun {
  /** Whether the worker had to be killed after finishing its jobs (rq/rq#1613). */
  killedAfterWork: boolean;
}

/** What RQ's own keys say is left for the worker: queued and started jobs, and whether it has registered its death. */
async function leftOver(
  redis: Redis,
  queue: string,
  worker: string
): Promise<{ queued: number; started: number; dead: boolean }> {
  const [queued, started, dead] = await Promise.all([
    redis.llen(`rq:queue:${queue}`),
    redis.zcard(`rq:wip:${queue}`),
    redis.hexists(`rq:worker:${worker}`, 'death'),
  ]);
  return { queued, started, dead: dead === 1 };
}

export async function runBurstWorker(
  rq: string,
  url: string,
  queue: string,
  redis: Redis,
  options: { cwd: string; timeoutMs: number; extraArgs?: string[] }
): Promise<BurstRun> {
  const name = `jobscope-burst-${process.pid}-${Date.now().toString(36)}`;
  const started = Date.now();
  const child = spawn(rq, ['worker', '--burst', '--name', name, '--url', url, ...(options.extraArgs ?? []), queue], {
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal }))
  );
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((e) => (exit = e));
  const killGroup = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group has gone meanwhile
    }
    await exited;
  };
  const describe = (how: string) =>
    `rq worker --burst ${queue} ${how} after ${Date.now() - started} ms; its log ends:\n${log}`;

  let doneSince: number | undefined;
  while (exit === undefined) {
    await Promise.race([exited, new Promise((r) => setTimeout(r, POLL_MS))]);
    if (exit !== undefined) {
      break;
    }
    const left = await leftOver(redis, queue, name);
    const done = left.queued === 0 && left.started === 0 && left.dead;
    doneSince = done ? (doneSince ?? Date.now()) : undefined;
    if (doneSince !== undefined && Date.now() - doneSince >= GRACE_MS && exit === undefined) {
      await killGroup();
      console.warn(describe(`finished every job but had not exited ${GRACE_MS} ms later (rq/rq#1613); killed`));
      return { killedAfterWork: true };
    }
    if (Date.now() - started > options.timeoutMs && exit === undefined) {
      await killGroup();
      throw new Error(
        describe(
          `was still working (${left.queued} queued, ${left.started} started, death registered: ${left.dead}); killed`
        )
      );
    }
  }
  const { code, signal } = exit;
  if (code !== 0) {
    const left = await leftOver(redis, queue, name);
    throw new Error(
      describe(`exited with code ${code}, signal ${signal}, leaving ${left.queued} queued and ${left.started} started`)
    );
  }
  return { killedAfterWork: false };
}
