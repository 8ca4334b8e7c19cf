/**
 * One live connection per data source uid, shared by every concurrent request, and
 * replaced (the old one closed) when Grafana reports newer settings via lastUpdatedMS.
 */
export interface Closeable {
  close(): Promise<void>;
}

interface Entry<T> {
  version: number;
  instance: Promise<T>;
}

export class InstanceManager<C extends { uid: string; version: number }, T extends Closeable> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(
    private readonly create: (config: C) => Promise<T> | T,
    private readonly onCloseError: (err: Error) => void = () => undefined
  ) {}

  get(config: C): Promise<T> {
    const current = this.entries.get(config.uid);
    if (current && current.version === config.version) {
      return current.instance;
    }
    const instance = Promise.resolve().then(() => this.create(config));
    this.entries.set(config.uid, { version: config.version, instance });
    // A failed creation must not stick: the next request tries again.
    instance.catch(() => {
      if (this.entries.get(config.uid)?.instance === instance) {
        this.entries.delete(config.uid);
      }
    });
    if (current) {
      this.dispose(current);
    }
    return instance;
  }

  get size(): number {
    return this.entries.size;
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => this.dispose(e)));
  }

  private async dispose(entry: Entry<T>): Promise<void> {
    try {
      await (await entry.instance).close();
    } catch (err) {
      this.onCloseError(err as Error);
    }
  }
}
