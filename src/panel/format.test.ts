import { countCandidates } from './format';

describe('count formats', () => {
  it('offers the exact count first, then Grafana’s short forms', () => {
    expect(countCandidates(0)).toEqual(['0']);
    expect(countCandidates(999)).toEqual(['999']);
    expect(countCandidates(1234)).toEqual(['1,234', '1.23 K', '1 K']);
    // rounding up to the next unit reads as that unit
    expect(countCandidates(999_999_999)).toEqual(['999,999,999', '1 Bil']);
    expect(countCandidates(98_765_432)).toEqual(['98,765,432', '98.8 Mil', '99 Mil']);
  });
});
