import { useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import {
  SensorSummary,
  SensorTestResult,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { eventOrchestrationApiRef } from '../../api';
import { PermittedButton } from '../shared/PermittedButton';

/** An event to start from: the sensor's first event type, with an empty payload. */
function exampleEvents(sensor: SensorSummary) {
  const type = sensor.spec.dependencies[0]?.eventType ?? 'example.event';
  return JSON.stringify(
    [{ type, subject: 'my-awesome-app', data: {} }],
    null,
    2,
  );
}

/**
 * The dry-run editor of a sensor: paste events (a list, evaluated in order, so
 * windows and conditions can be tried) or give a stored event's id, and see
 * each verdict with its reason and, when matched, the steps with their rendered
 * inputs. Nothing is stored, no run starts (`POST /sensors/test`).
 */
/** What a dry-run editor holds; kept by the page, so live table refreshes cannot reset it. */
export interface DryRunState {
  text: string;
  eventId: string;
  results?: SensorTestResult[];
  error?: string;
  busy?: boolean;
}

/** The dry-run states of all sensors of a page, by sensor name. */
export function useDryRunStates() {
  const [states, setStates] = useState<Record<string, DryRunState>>({});
  const update = (sensor: SensorSummary, patch: Partial<DryRunState>) =>
    setStates(all => ({
      ...all,
      [sensor.name]: {
        ...(all[sensor.name] ?? { text: exampleEvents(sensor), eventId: '' }),
        ...patch,
      },
    }));
  return { states, update };
}

export function SensorDryRun(props: {
  sensor: SensorSummary;
  state?: DryRunState;
  update: (sensor: SensorSummary, patch: Partial<DryRunState>) => void;
}) {
  const { sensor, update } = props;
  const api = useApi(eventOrchestrationApiRef);
  const { text, eventId, results, error, busy } = props.state ?? {
    text: exampleEvents(sensor),
    eventId: '',
  };
  const setText = (value: string) => update(sensor, { text: value });
  const setEventId = (value: string) => update(sensor, { eventId: value });

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
      const body = (e as { body?: { error?: { message?: string } } }).body;
      update(sensor, {
        busy: false,
        results: undefined,
        error: body?.error?.message ?? (e as Error).message,
      });
    }
  };

  return (
    <Box padding={2}>
      <Typography variant="subtitle2" gutterBottom>
        Dry run of {sensor.name}: nothing is stored, no run starts
      </Typography>
      <TextField
        id={`dry-run-events-${sensor.name}`}
        label="Events (JSON, a list is evaluated in order)"
        value={text}
        onChange={e => setText(e.target.value)}
        error={Boolean(parseError)}
        helperText={
          parseError ??
          'CloudEvent fields: type, subject, data, time, entityref'
        }
        disabled={Boolean(eventId.trim())}
        fullWidth
        multiline
        minRows={6}
        margin="dense"
        inputProps={{ style: { fontFamily: 'monospace' } }}
      />
      <TextField
        id={`dry-run-event-id-${sensor.name}`}
        label="…or a stored event's id"
        value={eventId}
        onChange={e => setEventId(e.target.value)}
        margin="dense"
        size="small"
      />
      <Box marginTop={1}>
        <PermittedButton
          permission={sensorTestPermission}
          variant="contained"
          color="primary"
          disabled={busy || Boolean(parseError)}
          onClick={run}
        >
          Dry run
        </PermittedButton>
      </Box>
      {error && (
        <Typography role="alert" color="error" style={{ marginTop: 8 }}>
          {error}
        </Typography>
      )}
      {results && (
        <ol aria-label={`Dry run results of ${sensor.name}`}>
          {results.map((result, i) => (
            <li key={`${result.eventId}-${i}`}>
              <Typography variant="body2">
                <strong>{result.status}</strong> — {result.reason}
              </Typography>
              {result.steps?.map(step => (
                <Box key={step.id} marginLeft={2}>
                  <Typography variant="body2">
                    step <code>{step.id}</code> ({step.action})
                    {step.error ? `: fails: ${step.error}` : ''}
                  </Typography>
                  {step.input !== undefined && (
                    <pre
                      style={{
                        margin: 0,
                        fontSize: 12,
                        whiteSpace: 'pre-wrap',
                      }}
                    >
                      {JSON.stringify(step.input, null, 2)}
                    </pre>
                  )}
                </Box>
              ))}
            </li>
          ))}
        </ol>
      )}
    </Box>
  );
}
