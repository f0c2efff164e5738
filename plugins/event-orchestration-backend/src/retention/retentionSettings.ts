import { Config } from '@backstage/config';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { readOptionalDurationMs } from '../shared/config/durations';

const DAY_MS = 24 * 3600_000;

/** How long each kind of stored data is kept (`eventOrchestration.retention`). */
export interface RetentionSettings {
  /** Events, with their entity links and verdicts. */
  eventsMs: number;
  /** Sensors' verdicts, also on events kept longer. */
  evaluationsMs: number;
  /** Finished runs, with their steps, logs, links and approvals. */
  runsMs: number;
  /** Correlation state and fires, unless a loaded sensor's period is longer. */
  correlationMs: number;
  /** Records of dead-letter re-drives. */
  redrivesMs: number;
}

const KEYS: Record<
  string,
  { field: keyof RetentionSettings; default: string }
> = {
  events: { field: 'eventsMs', default: '30d' },
  evaluations: { field: 'evaluationsMs', default: '30d' },
  runs: { field: 'runsMs', default: '90d' },
  correlation: { field: 'correlationMs', default: '30d' },
  redrives: { field: 'redrivesMs', default: '90d' },
};

/**
 * Reads `eventOrchestration.retention`; throws at start-up on a value that is
 * not a duration, is shorter than a day, or a key that does not exist.
 */
export function readRetentionSettings(config: Config): RetentionSettings {
  const section = config.getOptionalConfig('eventOrchestration.retention');
  for (const key of section?.keys() ?? []) {
    if (!(key in KEYS)) {
      throw new Error(
        `eventOrchestration.retention has no setting '${key}'; known: ${Object.keys(
          KEYS,
        ).join(', ')}`,
      );
    }
  }
  const settings = {} as RetentionSettings;
  for (const [key, { field, default: fallback }] of Object.entries(KEYS)) {
    const ms =
      (section &&
        readOptionalDurationMs(section, key, {
          message: `eventOrchestration.retention.${key} must be a duration such as 30d or 36h`,
        })) ??
      parseDuration(fallback)!;
    // Stored events and verdicts are what recognise a redelivered event as
    // already evaluated: they must outlive the bus's redeliveries by far.
    if (ms < DAY_MS) {
      throw new Error(
        `eventOrchestration.retention.${key} must be at least 1d`,
      );
    }
    settings[field] = ms;
  }
  return settings;
}
