/**
 * Real RQ states for the tests, made by RQ itself in Redis db 11 (JOBSCOPE_TEST_RQ_DB):
 * the producer enqueues, a burst worker runs "orders" (successes, real exceptions, a retry),
 * and a worker that is SIGKILLed mid-job leaves an abandoned started job on "slow" (its work
 * horse is killed with it, so nothing of the test runs on).
 * RQ has no key namespace before 3.x, so the tests own the whole database and flush it.
 */
import { spawn, execFile, type ExecFileOptions } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import Redis from 'ioredis';
import { REDIS_HOST, REDIS_PORT, waitUntil } from '../../support/redis';
import { runBurstWorker } from './burst-worker';
import { childrenOf, hasEnded, killQuietly } from './horse';

const execFileAsync = promisify(execFile);

/** execFile that says how a failed command ended (exit code, or the signal of a timeout). */
async function run(file: string, args: string[], options: ExecFileOptions): Promise<{ stdout: string }> {
  const started = Date.now();
  try {
    return await execFileAsync(file, args, { ...options, encoding: 'utf8' });
  } catch (err) {
    const e = err as { code?: unknown; signal?: unknown; killed?: boolean; message: string };
    e.message = `${path.basename(file)} ${args[0]} ended after ${Date.now() - started} ms (code ${String(e.code)}, signal ${String(e.signal)}, killed ${e.killed}): ${e.message}`;
    throw err;
  }
}
export const RQ_DB = Number(process.env.JOBSCOPE_TEST_RQ_DB || 11);
export const RQ_URL = `redis://${REDIS_HOST}:${REDIS_PORT}/${RQ_DB}`;
const DIR = __dirname;
const ROOT = path.resolve(DIR, '../../..');
const VENV = process.env.JOBSCOPE_VENV || path.join(ROOT, '.venv');
const VENV_RQ2 = process.env.JOBSCOPE_VENV_RQ2 || path.join(ROOT, '.venv-rq2');

export interface RqFlavour {
  label: string;
  python: string;
  rq: string;
}

export const FLAVOURS: RqFlavour[] = [
  { label: 'RQ 1.13 (Debian)', python: process.env.JOBSCOPE_DEBIAN_PYTHON || '/usr/bin/python3', rq: '/usr/bin/rq' },
  { label: 'RQ 2.x (PyPI)', python: path.join(VENV_RQ2, 'bin/python'), rq: path.join(VENV_RQ2, 'bin/rq') },
  { label: 'RQ current (PyPI)', python: path.join(VENV, 'bin/python'), rq: path.join(VENV, 'bin/rq') },
];

export interface RqIds {
  ok: string[];
  declined: string[];
  zero: string[];
  retried: string[];
  scheduled: string[];
  waiting: string[];
  slow: string[];
  deferred: string[];
  bulk: string[];
}

export interface RqState {
  ids: RqIds;
  /** The name of the SIGKILLed worker (its hash lives on until its TTL ends). */
  killedWorker: string;
  /** The pids of its children (its work horse), killed with it. */
  killedHorses: number[];
}

export function rqRedis(): Redis {
  return new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: RQ_DB });
}

export async function flushRqDb(): Promise<void> {
  const r = rqRedis();
  try {
    await r.flushdb();
  } finally {
    r.disconnect();
  }
}

async function python(flavour: RqFlavour, script: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(flavour.python, [path.join(DIR, script), RQ_URL, ...args], {
    cwd: DIR,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** RQ's own numbers (parity.py), read after Jobscope has read. */
export async function rqNumbers(flavour: RqFlavour, expiredAt?: number): Promise<any> {
  return JSON.parse(await python(flavour, 'parity.py', ...(expiredAt === undefined ? [] : [String(expiredAt)])));
}

export async function makeRqState(flavour: RqFlavour): Promise<RqState> {
  await flushRqDb();
  const ids = JSON.parse(await python(flavour, 'producer.py', 'enqueue')) as RqIds;
  const r = rqRedis();
  let worker: ReturnType<typeof spawn> | undefined;
  let horses: number[] = [];
  try {
    await runBurstWorker(flavour.rq, RQ_URL, 'orders', r, { cwd: DIR, timeoutMs: 60_000 });

    // A worker that dies mid-job: its started-registry entry stays until its heartbeat expires.
    worker = spawn(flavour.rq, ['worker', '--url', RQ_URL, 'slow'], { cwd: DIR, detached: true, stdio: 'ignore' });
    const exited = new Promise((resolve) => worker!.once('exit', resolve));
    await waitUntil(
      'the slow job to start',
      async () =>
        (await r.zcard('rq:wip:slow')) === 1 && (await r.hget(`rq:job:${ids.slow[0]}`, 'status')) === 'started',
      30_000
    );
    await waitUntil("the slow job's work horse", async () => (horses = childrenOf(worker!.pid!)).length > 0, 30_000);
    const name = (await r.hget(`rq:job:${ids.slow[0]}`, 'worker_name'))!;
    // The worker first, so it cannot see its horse die and fail the job; then the horse
    // (found before, while it is still the worker's child).
    horses = [...new Set([...horses, ...childrenOf(worker.pid!)])];
    process.kill(-worker.pid!, 'SIGKILL');
    await exited;
    horses.forEach(killQuietly);
    await waitUntil("the slow job's work horse to end", async () => horses.every(hasEnded), 10_000);
    return { ids, killedWorker: name.replace(/^rq:worker:/, ''), killedHorses: horses };
  } catch (err) {
    // A failed build leaves nothing of its own running.
    if (worker?.exitCode === null && worker.signalCode === null) {
      killQuietly(-worker.pid!);
    }
    horses.forEach(killQuietly);
    throw err;
  } finally {
    r.disconnect();
  }
}
