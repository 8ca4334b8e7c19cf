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
 * fails what is pending and reconnects on the next use. A refused AUTH or SELECT fails
 * the batch and drops the socket (the bytes after it are never parsed), and a batch not
 * answered within the connection's command timeout fails the same way: nothing here can
 * throw outside the promise of the batch it belongs to.
 */
import * as net from 'net';
import * as tls from 'tls';
import type { RedisOptions } from 'ioredis';
import type { Reply } from './job-system';

// redis-parser (the RESP parser ioredis itself was built on) has no type definitions.

const RedisParser = require('redis-parser') as new (options: {
  returnReply(reply: unknown): void;
  returnError(err: Error): void;
  returnFatalError?(err: Error): void;
  returnBuffers: boolean;
}) => Parser;
interface Parser {
  execute(data: Buffer): void;
  reset(): void;
}

type Arg = string | number | Buffer;

/** Per queued command: how its reply is handed back. */
const AS_BUFFER = 1;
const AS_OBJECT = 2;

interface Batch {
  /** AS_BUFFER / AS_OBJECT bits per command, in order. */
  shapes: number[];
  replies: Reply[];
  /** Replies of the connection's own setup commands to skip first. */
  skip: number;
  resolve(replies: Reply[]): void;
  reject(err: Error): void;
}

const CR = 13;
const LF = 10;

/**
 * RESP commands written into one growing buffer as adapters queue them, so that a
 * pipeline of 130,000 commands keeps no per-command objects (argument arrays, a giant
 * string) alive until it is sent: those survived garbage collections and cost more than
 * the encoding itself.
 */
export class RespWriter {
  private buf = Buffer.allocUnsafe(1 << 14);
  private at = 0;

  command(name: string, args: readonly Arg[]): void {
    this.header(0x2a /* * */, args.length + 1);
    this.string(name);
    for (const a of args) {
      if (Buffer.isBuffer(a)) {
        this.header(0x24 /* $ */, a.length);
        this.reserve(a.length + 2);
        a.copy(this.buf, this.at);
        this.at += a.length;
        this.crlf();
      } else {
        this.string(typeof a === 'string' ? a : String(a));
      }
    }
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  private reserve(n: number): void {
    if (this.at + n > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.at + n) {
        size *= 2;
      }
      const bigger = Buffer.allocUnsafe(size);
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
  }

  private crlf(): void {
    this.buf[this.at++] = CR;
    this.buf[this.at++] = LF;
  }

  /** `*<n>\r\n` or `$<n>\r\n`. */
  private header(prefix: number, n: number): void {
    this.reserve(24);
    this.buf[this.at++] = prefix;
    this.at += this.buf.write(String(n), this.at, 'latin1');
    this.crlf();
  }

  /** A bulk string: UTF-8 bytes (Latin-1 writes them as they are when the string is ASCII). */
  private string(s: string): void {
    const len = Buffer.byteLength(s, 'utf8');
    this.header(0x24, len);
    this.reserve(len + 2);
    this.buf.write(s, this.at, len, len === s.length ? 'latin1' : 'utf8');
    this.at += len;
    this.crlf();
  }
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
  /** Parses the current socket's bytes; a new socket gets a new parser (one that failed holds half a reply). */
  private parser: Parser = this.newParser();

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly options: RedisOptions
  ) {}

  pipeline() {
    const writer = new RespWriter();
    const shapes: number[] = [];
    // One recorder per command name and pipeline: adapters queue thousands of commands.
    const recorders = new Map<string | symbol, (...args: Array<Arg | Arg[]>) => unknown>();
    const shim: Record<string | symbol, unknown> = new Proxy(
      {},
      {
        get: (_target, prop) => {
          if (prop === 'length') {
            return shapes.length;
          }
          if (prop === 'exec') {
            return () => this.exec(writer, shapes);
          }
          let record = recorders.get(prop);
          if (!record) {
            const name = String(prop);
            const buffers = name.endsWith('Buffer');
            const command = (buffers ? name.slice(0, -'Buffer'.length) : name).toUpperCase();
            const shape = (buffers ? AS_BUFFER : 0) | (command === 'HGETALL' ? AS_OBJECT : 0);
            record = (...args) => {
              // ioredis accepts arrays of arguments too: flatten those (rare) calls only.
              writer.command(command, args.some(Array.isArray) ? (args.flat() as Arg[]) : (args as Arg[]));
              shapes.push(shape);
              return shim;
            };
            recorders.set(prop, record);
          }
          return record;
        },
      }
    );
    return shim;
  }

  /** A parser whose replies count only while it is the current one (a failed socket's rest is dropped). */
  private newParser(): Parser {
    const parser: Parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply) => this.parser === parser && this.onReply(null, reply),
      returnError: (err) => this.parser === parser && this.onReply(err, null),
      returnFatalError: (err) => this.parser === parser && this.fail(err),
    });
    return parser;
  }

  private async exec(writer: RespWriter, shapes: number[]): Promise<Reply[]> {
    if (shapes.length === 0) {
      return [];
    }
    const fresh = !this.socket;
    const socket = await this.connect();
    const limit = this.options.commandTimeout;
    return new Promise<Reply[]>((resolve, reject) => {
      const setup = fresh ? this.setupCommands() : [];
      // A server that accepted the connection and went silent: fail this socket's batches.
      const timer = limit
        ? setTimeout(() => {
            if (this.socket === socket) {
              this.fail(
                new Error(`Command timed out: no reply from ${this.host}:${this.port} within ${limit / 1000} s`)
              );
            }
          }, limit)
        : undefined;
      const settle =
        <A>(fn: (a: A) => void) =>
        (a: A) => {
          clearTimeout(timer);
          fn(a);
        };
      this.queue.push({ shapes, replies: [], skip: setup.length, resolve: settle(resolve), reject: settle(reject) });
      if (setup.length > 0) {
        const first = new RespWriter();
        setup.forEach((c) => first.command(c.command, c.args));
        socket.write(first.bytes());
      }
      socket.write(writer.bytes());
    });
  }

  /** AUTH, SELECT and CLIENT SETNAME, sent ahead of the first batch on a new socket. */
  private setupCommands(): Array<{ command: string; args: Arg[] }> {
    const setup: Array<{ command: string; args: Arg[] }> = [];
    if (this.options.password) {
      setup.push({
        command: 'AUTH',
        args: this.options.username ? [this.options.username, this.options.password] : [this.options.password],
      });
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
        // AUTH or SELECT refused: nothing on this socket can be trusted. Failing drops the
        // socket and its parser; the replies still in this chunk are never handed out.
        this.fail(err);
      }
      return;
    }
    const shape = batch.shapes[batch.replies.length];
    if (err) {
      batch.replies.push([err, null]);
    } else {
      const v = shape & AS_BUFFER ? value : toStrings(value);
      batch.replies.push([null, shape & AS_OBJECT ? toObject(v) : v]);
    }
    if (batch.replies.length === batch.shapes.length) {
      this.queue.shift();
      batch.resolve(batch.replies);
    }
  }

  private connect(): Promise<net.Socket> {
    if (this.socket) {
      return Promise.resolve(this.socket);
    }
    this.connecting ??= new Promise<net.Socket>((resolve, reject) => {
      const timeout = this.options.connectTimeout ?? 10_000;
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
      const parser = (this.parser = this.newParser());
      socket.on('data', (chunk) => {
        // Only the current socket's parser may hand out replies; a dropped socket's late bytes are ignored.
        if (this.parser !== parser) {
          return;
        }
        try {
          parser.execute(chunk);
        } catch (err) {
          this.fail(err as Error);
        }
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        this.connecting = undefined;
        reject(err);
        if (this.socket === socket) {
          this.fail(err);
        }
      });
      socket.on('close', () => {
        clearTimeout(timer);
        this.connecting = undefined;
        reject(new Error('Connection is closed.'));
        if (this.socket === socket) {
          this.fail(new Error('Connection is closed.'));
        }
      });
    });
    return this.connecting;
  }

  /** Fails every pending batch and drops the socket; the next exec reconnects. */
  private fail(err: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    // A fresh parser, not reset(): fail() may run inside the old parser's execute().
    this.parser = this.newParser();
    for (const batch of this.queue.splice(0)) {
      batch.reject(err);
    }
    socket?.destroy();
  }

  close(): void {
    this.fail(new Error('Connection is closed.'));
  }
}
