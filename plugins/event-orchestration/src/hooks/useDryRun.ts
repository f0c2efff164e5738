import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  SensorSummary,
  SensorTestResult,
} from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationApiRef } from '../api';
import { backendErrorMessage } from './backendErrorMessage';

/** What a dry-run editor holds; kept by the page, so live table refreshes cannot reset it. */
export interface DryRunState {
  text: string;
  eventId: string;
  results?: SensorTestResult[];
  error?: string;
  busy?: boolean;
}

/** Changes one sensor's dry-run state. */
export type UpdateDryRun = (
  sensor: SensorSummary,
  patch: Partial<DryRunState>,
) => void;

/** An event to start from: the sensor's first event type, with an empty payload. */
function exampleEvents(sensor: SensorSummary) {
  const type = sensor.spec.dependencies[0]?.eventType ?? 'example.event';
  return JSON.stringify(
    [{ type, subject: 'my-awesome-app', data: {} }],
    null,
    2,
  );
}

/** The dry-run states of all sensors of a page, by sensor name. */
export function useDryRunStates() {
  const [states, setStates] = useState<Record<string, DryRunState>>({});
  const update: UpdateDryRun = (sensor, patch) =>
    setStates(all => ({
      ...all,
      [sensor.name]: {
        ...(all[sensor.name] ?? { text: exampleEvents(sensor), eventId: '' }),
        ...patch,
      },
    }));
  return { states, update };
}

/**
 * One sensor's dry run: the pasted events (a list, evaluated in order) or a
 * stored event's id, parsed, and the call (`POST /sensors/test`) that puts
 * each verdict, or the backend's reason, into the state.
 */
export function useDryRun(
  sensor: SensorSummary,
  state: DryRunState | undefined,
  update: UpdateDryRun,
) {
  const api = useApi(eventOrchestrationApiRef);
  const current = state ?? { text: exampleEvents(sensor), eventId: '' };
  const { text, eventId } = current;

  let events: unknown[] | undefined;
  let parseError: string | undefined;
  if (!eventId.trim()) {
    try {
      const parsed = JSON.parse(text);
      events = Array.isArray(parsed) ? parsed : [parsed];
    } catch (e) {
      parseError = `Not JSON: ${(e as Error).message}`;
    }
  }

  const run = async () => {
    update(sensor, { busy: true, error: undefined });
    try {
      const response = await api.testSensor(
        eventId.trim()
          ? { sensorName: sensor.name, eventId: eventId.trim() }
          : { sensorName: sensor.name, events },
      );
      update(sensor, { busy: false, results: response.results });
    } catch (e) {
      update(sensor, {
        busy: false,
        results: undefined,
        error: backendErrorMessage(e),
      });
    }
  };

  return {
    ...current,
    parseError,
    setText: (value: string) => update(sensor, { text: value }),
    setEventId: (value: string) => update(sensor, { eventId: value }),
    run,
  };
}
