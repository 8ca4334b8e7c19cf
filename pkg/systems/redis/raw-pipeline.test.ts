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
      ]),
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
