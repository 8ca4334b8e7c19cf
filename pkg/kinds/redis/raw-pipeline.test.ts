import { RespWriter } from './raw-pipeline';

describe('RespWriter', () => {
  it('writes RESP arrays of bulk strings: byte lengths for non-ASCII text, buffers as they are', () => {
    const w = new RespWriter();
    w.command('LLEN', ['bull:q:wait']);
    w.command('HGET', ['bull:é🚀:1', 7, Buffer.from([0, 13, 10, 255])]);
    expect(w.bytes()).toEqual(
      Buffer.concat([
        Buffer.from('*2\r\n$4\r\nLLEN\r\n$11\r\nbull:q:wait\r\n'),
        Buffer.from('*4\r\n$4\r\nHGET\r\n$13\r\nbull:é🚀:1\r\n$1\r\n7\r\n$4\r\n'),
        Buffer.from([0, 13, 10, 255]),
        Buffer.from('\r\n'),
      ])
    );
  });

  it('grows past its first buffer without losing what it wrote', () => {
    const w = new RespWriter();
    const key = 'k'.repeat(1000);
    for (let i = 0; i < 100; i++) {
      w.command('GET', [key]);
    }
    const one = `*2\r\n$3\r\nGET\r\n$1000\r\n${key}\r\n`;
    expect(w.bytes().toString('latin1')).toBe(one.repeat(100));
  });
});

describe('RawConnection refusals (the shared Redis, db 9, reading one absent key)', () => {
  const { RawConnection } = require('./raw-pipeline') as typeof import('./raw-pipeline');
  const base = new URL(process.env.JOBSCOPE_REDIS_URL || 'redis://127.0.0.1:6379');
  const host = base.hostname;
  const port = Number(base.port || 6379);
  const read = (c: InstanceType<typeof RawConnection>) =>
    (c.pipeline() as unknown as { get(key: string): { exec(): Promise<unknown> } })
      .get('jobscope-raw-refusal-test-absent')
      .exec();

  it('fails the batch, not the process, when AUTH is refused; again on the next socket', async () => {
    const c = new RawConnection(host, port, { password: 'no-password-is-set-here', db: 9 });
    try {
      await expect(read(c)).rejects.toThrow(/AUTH|password/i);
      await expect(read(c)).rejects.toThrow(/AUTH|password/i);
    } finally {
      c.close();
    }
  });

  it('fails the batch when SELECT is refused (a database above the server’s count)', async () => {
    const c = new RawConnection(host, port, { db: 99999 });
    try {
      await expect(read(c)).rejects.toThrow(/DB index/i);
    } finally {
      c.close();
    }
  });

  it('fails the batch of a server that accepts and never answers, after its command timeout', async () => {
    const net = require('net') as typeof import('net');
    const held: Array<import('net').Socket> = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const c = new RawConnection('127.0.0.1', (silent.address() as import('net').AddressInfo).port, {
      commandTimeout: 200,
    });
    try {
      await expect(read(c)).rejects.toThrow(/Command timed out/);
    } finally {
      c.close();
      held.forEach((s) => s.destroy());
      silent.close();
    }
  });
});
