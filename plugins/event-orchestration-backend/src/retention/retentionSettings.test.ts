import { ConfigReader } from '@backstage/config';
import { readRetentionSettings } from './retentionSettings';

const DAY = 24 * 3600_000;

describe('readRetentionSettings', () => {
  it("also takes Backstage's duration objects and ISO 8601, still at least a day", () => {
    const read = (retention: object) =>
      readRetentionSettings(
        new ConfigReader({ eventOrchestration: { retention } }),
      );
    expect(read({ events: { days: 2 }, runs: 'P400D' })).toMatchObject({
      eventsMs: 2 * DAY,
      runsMs: 400 * DAY,
      evaluationsMs: 30 * DAY,
    });
    expect(() => read({ correlation: { hours: 12 } })).toThrow(
      'eventOrchestration.retention.correlation must be at least 1d',
    );
  });
});
