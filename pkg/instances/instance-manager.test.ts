import { InstanceManager } from './instance-manager';

class Conn {
  closed = false;
  constructor(readonly version: number) {}
  async close() {
    this.closed = true;
  }
}

describe('InstanceManager', () => {
  it('shares one instance per uid between concurrent requests', async () => {
    let created = 0;
    const m = new InstanceManager((c: { uid: string; version: number }) => {
      created++;
      return new Conn(c.version);
    });
    const [a, b] = await Promise.all([m.get({ uid: 'x', version: 1 }), m.get({ uid: 'x', version: 1 })]);
    expect(a).toBe(b);
    expect(created).toBe(1);
  });

  it('replaces and closes the old instance when settings change', async () => {
    const m = new InstanceManager((c: { uid: string; version: number }) => new Conn(c.version));
    const old = await m.get({ uid: 'x', version: 1 });
    const next = await m.get({ uid: 'x', version: 2 });
    expect(next).not.toBe(old);
    expect(next.version).toBe(2);
    await new Promise((r) => setImmediate(r));
    expect(old.closed).toBe(true);
    expect(next.closed).toBe(false);
    await m.closeAll();
    expect(next.closed).toBe(true);
    expect(m.size).toBe(0);
  });

  it('retries creation after a failure', async () => {
    let fail = true;
    const m = new InstanceManager((c: { uid: string; version: number }) => {
      if (fail) {
        throw new Error('boom');
      }
      return new Conn(c.version);
    });
    await expect(m.get({ uid: 'x', version: 1 })).rejects.toThrow('boom');
    await new Promise((r) => setImmediate(r));
    fail = false;
    await expect(m.get({ uid: 'x', version: 1 })).resolves.toBeInstanceOf(Conn);
  });
});
