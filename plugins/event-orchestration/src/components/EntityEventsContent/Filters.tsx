import { useEffect, useState } from 'react';
import Box from '@material-ui/core/Box';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import { TabFilters } from '../../hooks';

/** Filter fields; text fields apply 300 ms after the last keystroke. */
export function FilterBar(props: {
  value: TabFilters;
  onChange: (filters: TabFilters) => void;
}) {
  const { value, onChange } = props;
  const [draft, setDraft] = useState({
    type: value.type,
    sensor: value.sensor,
  });
  useEffect(() => {
    if (draft.type === value.type && draft.sensor === value.sensor)
      return undefined;
    const timer = setTimeout(() => onChange({ ...value, ...draft }), 300);
    return () => clearTimeout(timer);
  }, [draft, value, onChange]);

  return (
    <Box
      display="flex"
      flexWrap="wrap"
      style={{ gap: 16 }}
      component="form"
      aria-label="Filters"
      onSubmit={e => e.preventDefault()}
    >
      <TextField
        id="filter-sensor"
        label="Sensor"
        size="small"
        value={draft.sensor}
        onChange={e => setDraft({ ...draft, sensor: e.target.value })}
      />
      <TextField
        id="filter-status"
        select
        label="Run status"
        size="small"
        style={{ minWidth: 140 }}
        value={value.status}
        onChange={e =>
          onChange({ ...value, status: e.target.value as TabFilters['status'] })
        }
      >
        <MenuItem value="">any</MenuItem>
        {(
          [
            'pending',
            'running',
            'waiting',
            'succeeded',
            'failed',
            'cancelled',
          ] as const
        ).map(s => (
          <MenuItem key={s} value={s}>
            {s}
          </MenuItem>
        ))}
      </TextField>
      <TextField
        id="filter-type"
        label="Event type"
        size="small"
        value={draft.type}
        onChange={e => setDraft({ ...draft, type: e.target.value })}
      />
      <TextField
        id="filter-range"
        select
        label="Time"
        size="small"
        style={{ minWidth: 140 }}
        value={value.range}
        onChange={e =>
          onChange({ ...value, range: e.target.value as TabFilters['range'] })
        }
      >
        <MenuItem value="all">all time</MenuItem>
        <MenuItem value="1h">last hour</MenuItem>
        <MenuItem value="24h">last 24 hours</MenuItem>
        <MenuItem value="7d">last 7 days</MenuItem>
      </TextField>
    </Box>
  );
}
