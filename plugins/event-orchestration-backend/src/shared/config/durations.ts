import { Config, readDurationFromConfig } from '@backstage/config';
import { parseDuration } from '@edo/plugin-event-orchestration-common';
import { durationToMilliseconds } from '@backstage/types';

/**
 * A duration setting in milliseconds, or undefined when it is not set. Takes
 * what our sensors take (`30d`, `36h`, `2m`), a number of milliseconds where
 * the setting always took one, and
 * Backstage's forms through `readDurationFromConfig` (`{ days: 30 }`, ISO 8601
 * `P30D`, `2 weeks`). Anything else fails start-up with `message`.
 */
export function readOptionalDurationMs(
  config: Config,
  key: string,
  options: {
    /** Why start-up fails on a value that is not a duration. */
    message: string;
    /** Whether a bare number is milliseconds (else it is refused). */
    numberIsMilliseconds?: boolean;
  },
): number | undefined {
  const { message, numberIsMilliseconds = false } = options;
  const value = config.getOptional(key);
  if (value === undefined) return undefined;
  if (typeof value === 'number') {
    if (numberIsMilliseconds) return value;
    throw new Error(message);
  }
  const ours = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ours !== undefined) return ours;
  try {
    return durationToMilliseconds(readDurationFromConfig(config, { key }));
  } catch {
    throw new Error(message);
  }
}
