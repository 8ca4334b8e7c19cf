/** Every BullMQ query type works as a Redis user limited to read commands, and writes nothing. */
import * as bullmq from 'bullmq';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../support/redis';
import { BullmqState, makeBullmqState } from '../support/bullmq-states';
import { everyQueryType, runAsReadOnlyUser } from '../support/read-only';

const prefix = uniquePrefix('bullmq-ro');
let state: BullmqState;

beforeAll(async () => {
  state = await makeBullmqState(bullmq, prefix);
}, 60_000);

afterAll(async () => {
  await state?.release();
  await deletePrefix(prefix);
});

it('answers every query type as a read-only ACL user, and MONITOR sees no write command', async () => {
  const report = await runAsReadOnlyUser(
    { kind: 'redis', url: REDIS_URL, bullPrefix: prefix },
    everyQueryType({ system: 'bullmq' })
  );
  expect(report.errors).toEqual({});
  expect(report.commands).toEqual(expect.arrayContaining(['llen', 'zcard', 'hmget', 'scan']));
  expect(report.writes).toEqual([]);
});
