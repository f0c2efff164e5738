import { useState } from 'react';
import { sensorTestPermission } from '@edo/plugin-event-orchestration-common';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useSensorTest, useSensors } from '../../hooks';
import { ControlRow } from './ControlRow';
import { PermittedButton } from './PermittedButton';

/**
 * "Test against sensor…": a dry run of this stored event against any loaded
 * sensor — why would it (not) fire? Nothing is stored, no run starts.
 */
export function TestAgainstSensor(props: { eventId: string }) {
  const sensors = useSensors();
  const [sensor, setSensor] = useState('');
  const { result, error, test, clearResult } = useSensorTest(props.eventId);
  const names = sensors.value?.items.map(s => s.name) ?? [];

  return (
    <ControlRow>
      <TextField
        id={`test-sensor-${props.eventId}`}
        select
        size="small"
        label="Test against sensor…"
        style={{ minWidth: 220 }}
        value={sensor}
        onChange={e => {
          setSensor(e.target.value);
          clearResult();
        }}
      >
        {names.map(name => (
          <MenuItem key={name} value={name}>
            {name}
          </MenuItem>
        ))}
      </TextField>
      <PermittedButton
        permission={sensorTestPermission}
        size="small"
        variant="outlined"
        disabled={!sensor}
        onClick={() => test(sensor)}
      >
        Test
      </PermittedButton>
      {result && (
        <Typography variant="body2" aria-label="Test result">
          <strong>{result.status}</strong> — {result.reason}
          {result.steps
            ? ` (would run: ${result.steps.map(s => s.action).join(', ')})`
            : ''}
        </Typography>
      )}
      {error && (
        <Typography variant="body2" color="error" role="alert">
          {error}
        </Typography>
      )}
    </ControlRow>
  );
}
