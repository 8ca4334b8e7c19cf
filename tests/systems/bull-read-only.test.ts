/** Every Bull query type works as a Redis user limited to read commands, and writes nothing. */
import { deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { everyQueryType, runAsReadOnlyUser } from '../support/read-only';
import { BullState, makeBullState } from './bull/state';

const prefix = uniquePrefix('bull-ro');
let state: BullState;

beforeAll(async () => {
  state = await makeBullState(prefix);
}, 60_000);

afterAll(async () => {
  await state?.release();
  await deletePrefix(prefix);
});

it('answers every query type as a read-only ACL user, and MONITOR sees no write command', async () => {
  const report = await runAsReadOnlyUser(
    { kind: 'redis', url: REDIS_URL, bullPrefix: prefix },
    everyQueryType({ system: 'bull' })
  );
  expect(report.errors).toEqual({});
  expect(report.commands).toEqual(
    expect.arrayContaining(['llen', 'zcard', 'exists', 'hexists', 'type', 'scan', 'client'])
  );
  expect(report.writes).toEqual([]);
});
