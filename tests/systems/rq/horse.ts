/**
 * RQ's work horse is forked by the worker and calls setsid(), so the SIGKILL of the
 * worker's process group leaves it running (the slow job would sleep on for minutes). RQ
 * does not record the horse's pid in Redis (the worker hash holds the worker's own), so it
 * is found as the child of the worker process the test spawned: only processes the test
 * started are ever signalled.
 */
import { readdirSync, readFileSync } from 'fs';

/** The parent pid and state of a process from /proc/<pid>/stat, undefined once it is gone. */
function statOf(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state };
  } catch {
    return undefined;
  }
}

export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => statOf(p)?.ppid === pid);
}

/** Gone, or a zombie waiting for init to reap it. */
export function hasEnded(pid: number): boolean {
  const s = statOf(pid);
  return s === undefined || s.state === 'Z' || s.state === 'X';
}

export function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
