/**
 * One of this folder's pg-boss scripts (driver.mjs, numbers.mjs) run by Node as a child
 * process speaking JSON lines: first `{"ready": true, ...}`, then each request
 * `{"id", "op", "args"}` is answered `{"id", "result"}` or `{"id", "error"}`.
 */
import { spawn, type ChildProcess } from 'child_process';
import { createInterface } from 'readline';
import { join } from 'path';

export class ScriptClient<Ready> {
  /** The script's first line; rejected with `exited`'s error if the script ends first. */
  readonly ready: Promise<Ready>;
  readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  private next = 1;
  private stderr = '';

  constructor(
    script: string,
    args: string[],
    exited: (code: number | null, signal: NodeJS.Signals | null, stderr: string) => Error
  ) {
    this.child = spawn(process.execPath, [join(__dirname, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d) => (this.stderr += d));
    const lines = createInterface({ input: this.child.stdout! });
    this.ready = new Promise((resolve, reject) => {
      this.child.on('exit', (code, signal) => reject(exited(code, signal, this.stderr)));
      lines.on('line', (line) => {
        const msg = JSON.parse(line);
        if (msg.ready) {
          resolve(msg);
          return;
        }
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (msg.error) {
          p?.reject(new Error(msg.error));
        } else {
          p?.resolve(msg.result);
        }
      });
    });
  }

  call<T = any>(op: string, ...args: unknown[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, args })}\n`);
    });
  }
}
