import { cutText } from './text';

it('cuts on a character boundary and says how big the whole was', () => {
  expect(cutText('short', 10)).toBe('short');
  // "é" is two bytes: a cut at 3 bytes of "aéé" must not split the second one.
  expect(cutText('aéé', 4)).toBe('aé… [cut at 3 of 5 bytes]');
});
