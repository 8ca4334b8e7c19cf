import { createLogger, hclogTimestamp } from './logger';

describe('hclog logger', () => {
  it('writes one JSON object per line with hclog keys', () => {
    const lines: string[] = [];
    const log = createLogger((l) => lines.push(l), 'info');
    log.debug('hidden');
    log.info('query done', { refId: 'A', ms: 3 });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ '@level': 'info', '@message': 'query done', refId: 'A', ms: 3 });
  });

  it('formats timestamps with six fractional digits and a numeric zone, as go-plugin parses them', () => {
    expect(hclogTimestamp(new Date(Date.UTC(2026, 10, 23, 19, 28, 10, 123)))).toBe('2026-11-23T19:28:10.123000+00:00');
  });
});
