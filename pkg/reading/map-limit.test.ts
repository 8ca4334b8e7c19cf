import { mapLimit } from './map-limit';

/** A call that finishes when the test says so. */
function deferred() {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { done, resolve };
}

const settle = () => new Promise((r) => setImmediate(r));

it('keeps at most n calls in flight and answers in the items order, whatever order they finish in', async () => {
  const gates = Array.from({ length: 7 }, deferred);
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const all = mapLimit([0, 1, 2, 3, 4, 5, 6], 3, async (i) => {
    started.push(i);
    most = Math.max(most, ++inFlight);
    await gates[i].done;
    inFlight--;
    return `item ${i}`;
  });
  await settle();
  expect(started).toEqual([0, 1, 2]);
  for (const i of [2, 0, 6, 1, 5, 4, 3]) {
    gates[i].resolve();
    await settle();
  }
  expect(await all).toEqual(Array.from({ length: 7 }, (_, i) => `item ${i}`));
  expect([most, started.length]).toEqual([3, 7]);
});

it('answers an empty list without calling, and a limit below one as one at a time', async () => {
  const calls: number[] = [];
  expect(await mapLimit([], 4, async (i: number) => calls.push(i))).toEqual([]);
  expect(await mapLimit([1, 2], 0, async (i) => i * 2)).toEqual([2, 4]);
  expect(calls).toEqual([]);
});

it('fails with the first failure', async () => {
  await expect(
    mapLimit([1, 2, 3], 2, async (i) => {
      if (i === 2) {
        throw new Error('two failed');
      }
      return i;
    })
  ).rejects.toThrow('two failed');
});
