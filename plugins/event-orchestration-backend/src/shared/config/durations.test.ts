import { ConfigReader } from '@backstage/config';
import { readOptionalDurationMs } from './durations';

const message = 'x must be a duration such as 7d or 2m';
const read = (value: unknown, numberIsMilliseconds?: boolean) =>
  readOptionalDurationMs(new ConfigReader({ x: value as any }), 'x', {
    message,
    numberIsMilliseconds,
  });

describe('readOptionalDurationMs', () => {
  it('reads our short form, Backstage duration objects, ISO 8601 and ms strings', () => {
    expect(read('36h')).toBe(36 * 3600_000);
    expect(read({ days: 2, hours: 1 })).toBe(49 * 3600_000);
    expect(read('P30D')).toBe(30 * 24 * 3600_000);
    expect(read('2 weeks')).toBe(14 * 24 * 3600_000);
    expect(read(undefined)).toBeUndefined();
  });

  it('takes a bare number as milliseconds only where the setting always did', () => {
    expect(read(120_000, true)).toBe(120_000);
    expect(() => read(120_000)).toThrow(message);
  });

  it('fails start-up with the setting named for what is not a duration', () => {
    expect(() => read('a month')).toThrow(message);
    expect(() => read({ fortnights: 1 })).toThrow(message);
    expect(() => read(true)).toThrow(message);
  });
});
