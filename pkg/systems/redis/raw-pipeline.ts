/**
 * A lean pipeline for bulk reads on a standalone Redis. ioredis spends several
 * microseconds of client work per command (a Command object, a promise, reply
 * conversion); an overview of 10,000 queues sends 130,000 commands, which made the client,
 * not Redis, the bottleneck. This writes every command of a pipeline as one RESP buffer
 * on a connection of its own and hands back replies in ioredis' `[error, value]` shape,
 * so adapters keep using `client.pipeline()` unchanged.
 *
 * It speaks RESP2, authenticates and selects the database like the main connection,
 * queues concurrent pipelines in order on the one socket, and on any socket failure
 * fails what is pending and reconnects on the next use.
 */
import * as net from 'net';
import * as tls from 'tls';
import type { RedisOptions } from 'ioredis';
import type { Reply } from './job-system';

// redis-parser (the RESP parser ioredis itself was built on) has no type definitions.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RedisParser = require('redis-parser') as new (options: {
  returnReply(reply: unknown): void;
  returnError(err: Error): void;
  returnFatalError?(err: Error): void;
  returnBuffers: boolean;
}) => { execute(data: Buffer): void; reset(): void };

type Arg = string | number | Buffer;
type Recorded = { command: string; args: Arg[]; buffers: boolean; hash: boolean };

interface Batch {
  commands: Recorded[];
  replies: Reply[];
  /** Replies of the connection's own setup commands to skip first. */
  skip: number;
  resolve(replies: Reply[]): void;
  reject(err: Error): void;
}

const CRLF = '\r\n';

function encode(commands: Array<{ command: string; args: Arg[] }>): Buffer {
  const parts: Buffer[] = [];
  let text = '';
  const flush = () => {
    if (text) {
      parts.push(Buffer.from(text, 'utf8'));
      text = '';
    }
  };
  for (const { command, args } of commands) {
    text += `*${args.length + 1}${CRLF}$${command.length}${CRLF}${command}${CRLF}`;
    for (const a of args) {
      if (Buffer.isBuffer(a)) {
        text += `$${a.length}${CRLF}`;
        flush();
        parts.push(a);
        text += CRLF;
      } else {
        const s = String(a);
        text += `$${Buffer.byteLength(s)}${CRLF}${s}${CRLF}`;
      }
    }
  }
  flush();
  return Buffer.concat(parts);
}

/** Buffers → strings (what ioredis returns for non-Buffer commands), recursively. */
function toStrings(v: unknown): unknown {
  if (Buffer.isBuffer(v)) {
    return v.toString('utf8');
  }
  return Array.isArray(v) ? v.map(toStrings) : v;
}

/** HGETALL's flat array → object, as ioredis gives it. */
function toObject(v: unknown): unknown {
  if (!Array.isArray(v)) {
    return v;
  }
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < v.length; i += 2) {
    o[String(v[i])] = v[i + 1];
  }
  return o;
}

export class RawConnection {
  private socket?: net.Socket;
  private connecting?: Promise<net.Socket>;
  private readonly queue: Batch[] = [];
  private readonly parser = new RedisParser({
    returnBuffers: true,
    returnReply: (reply) => this.onReply(null, reply),
    returnError: (err) => this.onReply(err, null),
    returnFatalError: (err) => this.fail(err),
  });

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: RedisOptions,
  ) {}

  pipeline() {
    const commands: Recorded[] = [];
    // One recorder per command name and pipeline: adapters queue thousands of commands.
    const recorders = new Map<string | symbol, (...args: Array<Arg | Arg[]>) => unknown>();
    const shim: Record<string | symbol, unknown> = new Proxy(
      {},
      {
        get: (_target, prop) => {
          if (prop === 'length') {
            return commands.length;
          }
          if (prop === 'exec') {
            return () => this.exec(commands);
          }
          let record = recorders.get(prop);
          if (!record) {
            const name = String(prop);
            const buffers = name.endsWith('Buffer');
            const command = (buffers ? name.slice(0, -'Buffer'.length) : name).toUpperCase();
            const hash = command === 'HGETALL';
            record = (...args) => {
              // ioredis accepts arrays of arguments too: flatten those (rare) calls only.
              commands.push({ command, args: args.some(Array.isArray) ? (args.flat() as Arg[]) : (args as Arg[]), buffers, hash });
              return shim;
            };
            recorders.set(prop, record);
          }
          return record;
        },
      },
    );
    return shim;
  }

  private async exec(commands: Recorded[]): Promise<Reply[]> {
    if (commands.length === 0) {
      return [];
    }
    const fresh = !this.socket;
    const socket = await this.connect();
    return new Promise<Reply[]>((resolve, reject) => {
      const setup = fresh ? this.setupCommands() : [];
      this.queue.push({ commands, replies: [], skip: setup.length, resolve, reject });
      socket.write(encode(setup.length ? [...setup, ...commands] : commands));
    });
  }

  /** AUTH, SELECT and CLIENT SETNAME, sent ahead of the first batch on a new socket. */
  private setupCommands(): Array<{ command: string; args: Arg[] }> {
    const setup: Array<{ command: string; args: Arg[] }> = [];
    if (this.options.password) {
      setup.push({ command: 'AUTH', args: this.options.username ? [this.options.username, this.options.password] : [this.options.password] });
    }
    if (this.options.db) {
      setup.push({ command: 'SELECT', args: [this.options.db] });
    }
    setup.push({ command: 'CLIENT', args: ['SETNAME', `${this.options.connectionName ?? 'jobscope'}-bulk`] });
    return setup;
  }

  private onReply(err: Error | null, value: unknown): void {
    const batch = this.queue[0];
    if (!batch) {
      return;
    }
    if (batch.skip > 0) {
      batch.skip--;
      if (err && !/SETNAME/i.test(err.message)) {
        // AUTH or SELECT refused: nothing on this socket can be trusted.
        this.fail(err);
      }
      return;
    }
    const command = batch.commands[batch.replies.length];
    if (err) {
      batch.replies.push([err, null]);
    } else {
      const v = command.buffers ? value : toStrings(value);
      batch.replies.push([null, command.hash ? toObject(v) : v]);
    }
    if (batch.replies.length === batch.commands.length) {
      this.queue.shift();
      batch.resolve(batch.replies);
    }
  }

  private connect(): Promise<net.Socket> {
    if (this.socket) {
      return Promise.resolve(this.socket);
    }
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const timeout = this.options.connectTimeout ?? 3000;
      const socket = this.options.tls
        ? tls.connect({ host: this.host, port: this.port, ...this.options.tls })
        : net.connect({ host: this.host, port: this.port });
      const ready = this.options.tls ? 'secureConnect' : 'connect';
      const timer = setTimeout(() => socket.destroy(new Error(`connect ETIMEDOUT ${this.host}:${this.port}`)), timeout);
      socket.setNoDelay(true);
      socket.once(ready, () => {
        clearTimeout(timer);
        this.socket = socket;
        this.connecting = undefined;
        resolve(socket);
      });
      socket.on('data', (chunk) => this.parser.execute(chunk));
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.connecting = undefined;
        reject(err);
        this.fail(err);
      });
      socket.on('close', () => this.fail(new Error('Connection is closed.')));
    });
    return this.connecting;
  }

  /** Fails every pending batch and drops the socket; the next exec reconnects. */
  private fail(err: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    this.parser.reset();
    for (const batch of this.queue.splice(0)) {
      batch.reject(err);
    }
    socket?.destroy();
  }

  close(): void {
    this.fail(new Error('Connection is closed.'));
  }
}
