import {
  SensorSummary,
  sensorTestPermission,
} from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { DryRunState, UpdateDryRun, useDryRun } from '../../hooks';
import { PermittedButton } from '../shared/PermittedButton';

/**
 * The dry-run editor of a sensor: paste events (a list, evaluated in order, so
 * windows and conditions can be tried) or give a stored event's id, and see
 * each verdict with its reason and, when matched, the steps with their rendered
 * inputs. Nothing is stored, no run starts (`POST /sensors/test`).
 */
export function SensorDryRun(props: {
  sensor: SensorSummary;
  state?: DryRunState;
  update: UpdateDryRun;
}) {
  const { sensor } = props;
  const {
    text,
    eventId,
    results,
    error,
    busy,
    parseError,
    setText,
    setEventId,
    run,
  } = useDryRun(sensor, props.state, props.update);

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
