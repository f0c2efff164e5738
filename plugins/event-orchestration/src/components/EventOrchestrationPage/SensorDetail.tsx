import { ReactNode } from 'react';
import { Link, Progress, ResponseErrorPanel } from '@backstage/core-components';
import {
  SensorLoadError,
  SensorSummary,
  SensorsResponse,
} from '@edo/plugin-event-orchestration-common';
import Accordion from '@material-ui/core/Accordion';
import AccordionDetails from '@material-ui/core/AccordionDetails';
import AccordionSummary from '@material-ui/core/AccordionSummary';
import Box from '@material-ui/core/Box';
import Drawer from '@material-ui/core/Drawer';
import IconButton from '@material-ui/core/IconButton';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import CloseIcon from '@material-ui/icons/Close';
import ExpandMoreIcon from '@material-ui/icons/ExpandMore';
import { useSearchParams } from 'react-router-dom';
import {
  DryRunState,
  UpdateDryRun,
  useSensorRuns,
  useSensorVerdicts,
} from '../../hooks';
import { StatusChip } from '../shared/StatusChip';
import { formatTime } from '../shared/format';
import { SensorDryRun } from './SensorDryRun';

const useStyles = makeStyles(theme => ({
  paper: { width: 'min(720px, 100vw)', padding: theme.spacing(2) },
  facts: {
    display: 'grid',
    gridTemplateColumns: 'max-content 1fr',
    columnGap: theme.spacing(2),
    rowGap: theme.spacing(0.5),
    margin: theme.spacing(1, 0, 2),
    '& dt': { color: theme.palette.text.secondary },
    '& dd': { margin: 0, overflowWrap: 'anywhere' },
  },
  definition: {
    margin: 0,
    fontSize: 12,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    color: theme.palette.text.primary,
  },
}));

/** The URL of a sensor's detail: the page's own path with `?sensor=<name>`. */
export function sensorDetailLink(name: string) {
  return `?${new URLSearchParams({ sensor: name }).toString()}`;
}

/**
 * A short list loaded for the drawer, with its loading, error and empty states:
 * each item one line, with an optional second line.
 */
function LoadedList<T>(props: {
  state: { value?: { items: T[] }; loading: boolean; error?: Error };
  label: string;
  what: string;
  empty: string;
  itemKey: (item: T) => string;
  primary: (item: T) => ReactNode;
  secondary: (item: T) => ReactNode;
}) {
  const { value, loading, error } = props.state;
  if (loading) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title={`${props.what} could not be loaded`}
      />
    );
  if (!value?.items.length)
    return <Typography variant="body2">{props.empty}</Typography>;
  return (
    <List dense aria-label={props.label}>
      {value.items.map(item => (
        <ListItem key={props.itemKey(item)} disableGutters>
          <ListItemText
            primaryTypographyProps={{ component: 'div' }}
            primary={props.primary(item)}
            secondary={props.secondary(item) || undefined}
          />
        </ListItem>
      ))}
    </List>
  );
}

function RecentRuns(props: { sensor: string }) {
  const runs = useSensorRuns(props.sensor);
  return (
    <LoadedList
      state={runs}
      label={`Recent runs of ${props.sensor}`}
      what="Recent runs"
      empty="No run yet."
      itemKey={run => run.id}
      primary={run => (
        <>
          <StatusChip status={run.status} />{' '}
          <Link to={`?${new URLSearchParams({ run: run.id }).toString()}`}>
            {formatTime(run.startedAt ?? run.createdAt)}
          </Link>
        </>
      )}
      secondary={run =>
        [run.entityRefs.join(', '), run.error].filter(Boolean).join(' · ')
      }
    />
  );
}

/** The sensor's newest verdicts: why it did or did not fire, event by event. */
function RecentVerdicts(props: { sensor: string }) {
  const verdicts = useSensorVerdicts(props.sensor);
  return (
    <LoadedList
      state={verdicts}
      label={`Recent verdicts of ${props.sensor}`}
      what="Recent verdicts"
      empty="No event evaluated yet."
      itemKey={verdict => verdict.eventId}
      primary={verdict => (
        <>
          <strong>{verdict.status}</strong> · {verdict.eventType}
          {verdict.subject ? ` · ${verdict.subject}` : ''} ·{' '}
          {formatTime(verdict.evaluatedAt)}
        </>
      )}
      secondary={verdict => verdict.reason}
    />
  );
}

function LoadFailure(props: { failure: SensorLoadError }) {
  return (
    <Box role="alert" aria-label="Load errors">
      <Typography color="error" variant="subtitle2">
        Failed to load from {props.failure.source}; the sensor is skipped.
      </Typography>
      <ul>
        {props.failure.issues.map(i => (
          <li key={`${i.path}-${i.message}`}>
            <Typography variant="body2">
              <code>{i.path}</code>: {i.message}
            </Typography>
          </li>
        ))}
      </ul>
    </Box>
  );
}

function LoadedSensor(props: {
  sensor: SensorSummary;
  dryRun?: DryRunState;
  updateDryRun: UpdateDryRun;
}) {
  const { sensor } = props;
  const classes = useStyles();
  const { evaluated, matched, runsStarted } = sensor.counters;
  return (
    <>
      <Typography variant="body2">
        Status: <strong>loaded</strong>
      </Typography>
      {sensor.description && (
        <Typography variant="body1">{sensor.description}</Typography>
      )}
      <dl className={classes.facts} aria-label="Sensor facts">
        <dt>Owner</dt>
        <dd>{sensor.owner ?? sensor.spec.owner ?? '—'}</dd>
        <dt>Source</dt>
        <dd>{sensor.source}</dd>
        <dt>Listens to</dt>
        <dd>{sensor.spec.dependencies.map(d => d.eventType).join(', ')}</dd>
        <dt>Last match</dt>
        <dd>{formatTime(sensor.lastMatchAt)}</dd>
        <dt>Evaluated</dt>
        <dd>{evaluated}</dd>
        <dt>Matched</dt>
        <dd>{matched}</dd>
        <dt>Not matched</dt>
        <dd>{Math.max(evaluated - matched, 0)}</dd>
        <dt>Runs started</dt>
        <dd>{runsStarted}</dd>
      </dl>
      <Accordion>
        <AccordionSummary
          expandIcon={<ExpandMoreIcon />}
          aria-controls="sensor-definition"
          id="sensor-definition-header"
        >
          <Typography variant="subtitle2">Definition (JSON)</Typography>
        </AccordionSummary>
        <AccordionDetails id="sensor-definition">
          <pre
            className={classes.definition}
            aria-label={`Definition of ${sensor.name}`}
          >
            {JSON.stringify(sensor.spec, null, 2)}
          </pre>
        </AccordionDetails>
      </Accordion>
      <Box marginTop={2}>
        <Typography variant="h6" component="h3">
          Recent runs
        </Typography>
        <RecentRuns sensor={sensor.name} />
      </Box>
      <Box marginTop={2}>
        <Typography variant="h6" component="h3">
          Recent verdicts
        </Typography>
        <RecentVerdicts sensor={sensor.name} />
      </Box>
      <SensorDryRun
        sensor={sensor}
        state={props.dryRun}
        update={props.updateDryRun}
      />
    </>
  );
}

/**
 * The sensor named by `?sensor=<name>` in a drawer over the global page (a
 * shareable URL): status, load errors, owner, source, counters, definition,
 * recent runs, and the dry-run editor for it.
 */
export function SensorDetail(props: {
  sensors?: SensorsResponse;
  dryRuns: Record<string, DryRunState>;
  updateDryRun: UpdateDryRun;
}) {
  const classes = useStyles();
  const [params, setParams] = useSearchParams();
  const name = params.get('sensor');
  if (!name) return null;
  const close = () => {
    params.delete('sensor');
    setParams(params);
  };
  const sensor = props.sensors?.items.find(s => s.name === name);
  const failure = props.sensors?.errors.find(e => e.sensor === name);
  return (
    <Drawer
      anchor="right"
      open
      onClose={close}
      classes={{ paper: classes.paper }}
      PaperProps={{ role: 'dialog', 'aria-label': `Sensor ${name}` } as object}
    >
      <Box display="flex" alignItems="center" justifyContent="space-between">
        <Typography variant="h5" component="h2">
          Sensor {name}
        </Typography>
        <IconButton aria-label="Close sensor details" onClick={close}>
          <CloseIcon />
        </IconButton>
      </Box>
      {!props.sensors && <Progress />}
      {failure && (
        <>
          <Typography variant="body2">
            Status: <strong>failed to load</strong>
          </Typography>
          <LoadFailure failure={failure} />
        </>
      )}
      {sensor && (
        <LoadedSensor
          sensor={sensor}
          dryRun={props.dryRuns[sensor.name]}
          updateDryRun={props.updateDryRun}
        />
      )}
      {props.sensors && !sensor && !failure && (
        <Typography variant="body2">
          No sensor named {name} is loaded.
        </Typography>
      )}
    </Drawer>
  );
}
