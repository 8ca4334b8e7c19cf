/**
 * `fn` over items with at most `n` calls in flight, results in the items' order: bounds
 * the API calls a read makes at once against a broker (JetStream, Kafka) without waiting
 * for them one by one.
 */
export async function mapLimit<T, R>(items: readonly T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, n), items.length) }, run));
  return out;
}
