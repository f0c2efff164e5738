import { InputError } from '@backstage/errors';
import { SensorSummary } from '@edo/plugin-event-orchestration-common';
import { redactSecrets } from '../shared/redaction/redactSecrets';
import { LoadedSensor } from '../sensors';
import { InvalidCursorError, RunRecord, SensorCounters } from '../store';

/** The engine-only parts of a run stay inside the backend. */
export function publicRun({
  workflow,
  triggerDependencies,
  ...run
}: RunRecord) {
  return run;
}

/** A cursor the store cannot read is the client's mistake: 400. */
export async function withCursorErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof InvalidCursorError)
      throw new InputError(error.message);
    throw error;
  }
}

/** A loaded sensor as the API shows it, with its counters. */
export function sensorSummary(
  { spec, source }: Pick<LoadedSensor, 'spec' | 'source'>,
  counter: SensorCounters | undefined,
): SensorSummary {
  return {
    name: spec.name,
    ...(spec.description ? { description: spec.description } : {}),
    ...(spec.owner ? { owner: spec.owner } : {}),
    source,
    // Definitions may carry literal credentials; secrets.<name> references stay readable.
    spec: redactSecrets(spec),
    ...countersOf(counter),
  };
}

/** A sensor's counters (zero before its first verdict) and its last match. */
export function countersOf(counter: SensorCounters | undefined) {
  return {
    counters: {
      evaluated: counter?.evaluated ?? 0,
      matched: counter?.matched ?? 0,
      runsStarted: counter?.runsStarted ?? 0,
    },
    ...(counter?.lastMatchAt ? { lastMatchAt: counter.lastMatchAt } : {}),
  };
}
