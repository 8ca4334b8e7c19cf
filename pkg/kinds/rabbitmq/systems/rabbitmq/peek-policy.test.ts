import { peekRefusal, peekRisk } from './peek-policy';
import type { QueueInfo } from './topology';

const classic = (over: Partial<QueueInfo> = {}): QueueInfo => ({
  vhost: '/',
  name: 'q',
  type: 'classic',
  messages: 5,
  ...over,
});
const editor = { role: 'Editor', alert: false };
const viewer = { role: 'Viewer', alert: false };

it('a plain classic queue is safe for every role, but never for an alert', () => {
  const risk = peekRisk(classic(), 'q', undefined);
  expect(risk).toEqual({ kind: 'safe' });
  expect(peekRefusal(viewer, [risk])).toBeUndefined();
  expect(peekRefusal({ alert: true, role: 'Admin' }, [risk])?.status).toBe(403);
  expect(peekRefusal(undefined, [risk])?.status).toBe(403);
});

it('a length limit with drop-head (the default overflow) needs an Editor, and a full queue is refused', () => {
  const limited = peekRisk(classic({ arguments: { 'x-max-length': 10 } }), 'q', undefined);
  expect(limited.kind).toBe('fate');
  expect(peekRefusal(viewer, [limited])?.message).toMatch(/needs the Editor or Admin role \(you are Viewer\)/);
  expect(peekRefusal(editor, [limited])).toBeUndefined();
  // The policy's lower limit applies; at it, a message published during the peek drops one.
  const full = peekRisk(
    classic({ arguments: { 'x-max-length': 10 }, effective_policy_definition: { 'max-length': 5 } }),
    'q',
    undefined
  );
  expect(full).toMatchObject({ kind: 'refused' });
  expect(peekRefusal({ role: 'Admin', alert: false }, [full])?.message).toMatch(
    /^RabbitMQ: peek refused for every role: q is full \(max-length 5/
  );
  // reject-publish refuses new messages instead of dropping old ones.
  expect(
    peekRisk(classic({ arguments: { 'x-max-length': 5, 'x-overflow': 'reject-publish' } }), 'q', undefined)
  ).toEqual({ kind: 'safe' });
});

it('quorum: an Editor while the requeue stays within the delivery-limit; without a limit still an Editor', () => {
  const quorum = (limit?: number) =>
    classic({ type: 'quorum', arguments: limit === undefined ? {} : { 'x-delivery-limit': limit } });
  expect(peekRisk(quorum(), 'q', 7).kind).toBe('fate');
  expect(peekRisk(quorum(2), 'q', undefined).kind).toBe('fate');
  expect(peekRisk(quorum(2), 'q', 1).kind).toBe('fate');
  expect(peekRisk(quorum(2), 'q', 2).kind).toBe('refused');
  // delivery-limit 0: the first requeue already passes it.
  expect(peekRisk(quorum(0), 'q', undefined).kind).toBe('refused');
});
