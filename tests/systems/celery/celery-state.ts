/**
 * Real Celery states for the tests, made by Celery itself (scenario.py, a --pool=solo
 * worker that is SIGKILLed mid-task) in Redis db 10 (JOBSCOPE_TEST_CELERY_DB), and
 * Celery/kombu's own numbers on that state (library_view.py). Celery does not namespace
 * its keys, so these tests own the whole database and flush it.
 */
import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import Redis from 'ioredis';
import { REDIS_HOST, REDIS_PORT } from '../../support/redis';

const run = promisify(execFile);
export const CELERY_DB = Number(process.env.JOBSCOPE_TEST_CELERY_DB || 10);
export const CELERY_URL = `redis://${REDIS_HOST}:${REDIS_PORT}/${CELERY_DB}`;
const DIR = __dirname;
const VENV = process.env.JOBSCOPE_VENV || path.resolve(DIR, '../../../.venv');

export interface CeleryFlavour {
  label: string;
  python: string;
  /** result_extended on: results record their queue. */
  extended: boolean;
}

export const FLAVOURS: CeleryFlavour[] = [
  { label: 'Celery (PyPI, result_extended)', python: path.join(VENV, 'bin/python'), extended: true },
  { label: 'Celery 5.2.6 (Debian)', python: process.env.JOBSCOPE_DEBIAN_PYTHON || '/usr/bin/python3', extended: false },
];

export interface CeleryState {
  node: string;
  celery: string;
  completed: string[];
  failed: string[];
  retry_later: string;
  slow: string;
  unacked_before_kill: string[];
  waiting: string[];
  priority9: string;
  priority5: string;
  traceparent: string;
  traced: string;
  eta: string;
  pickled: string;
}

export interface LibraryView {
  queues: Record<
    string,
    {
      size: number;
      base: number;
      unacked: number;
      delayed: number;
      retries: number;
      stalled: number;
      /** On the queue's lists: ETA ahead (all lists, base list only) and retried. */
      queued_delayed: number;
      queued_delayed_base: number;
      queued_retries: number;
    }
  >;
  unacked_total: number;
  stalled_total: number;
  workers: string[];
  states: Record<string, string>;
  exc_types: Record<string, string>;
}

function env(f: CeleryFlavour): NodeJS.ProcessEnv {
  return {
    ...process.env,
    JOBSCOPE_CELERY_URL: CELERY_URL,
    JOBSCOPE_CELERY_DB: String(CELERY_DB),
    JOBSCOPE_CELERY_RESULT_EXTENDED: f.extended ? '1' : '0',
    PYTHONDONTWRITEBYTECODE: '1',
  };
}

export async function makeCeleryState(f: CeleryFlavour): Promise<CeleryState> {
  const { stdout } = await run(f.python, ['scenario.py'], {
    cwd: DIR,
    env: env(f),
    timeout: 120_000,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as CeleryState;
}

export async function libraryView(
  f: CeleryFlavour,
  queues: string[],
  ids: string[],
  visibilityTimeout = 3600
): Promise<LibraryView> {
  const arg = JSON.stringify({ queues, ids, visibility_timeout: visibilityTimeout });
  const { stdout } = await run(f.python, ['library_view.py', arg], { cwd: DIR, env: env(f), timeout: 60_000 });
  return JSON.parse(stdout) as LibraryView;
}

export function celeryRedis(): Redis {
  return new Redis({ host: REDIS_HOST, port: REDIS_PORT, db: CELERY_DB });
}

export async function flushCeleryDb(): Promise<void> {
  const r = celeryRedis();
  try {
    await r.flushdb();
  } finally {
    r.disconnect();
  }
}
