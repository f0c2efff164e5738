import { Link as RouterLink, useLocation } from 'react-router-dom';
import { Run, RunStep } from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import { makeStyles } from '@material-ui/core/styles';
import { StatusChip } from './StatusChip';
import { formatDuration } from './format';
import { RunControls } from './RunControls';

const useStyles = makeStyles(theme => ({
  steps: { listStyle: 'none', margin: 0, padding: 0 },
  step: {
    borderLeft: `3px solid ${theme.palette.divider}`,
    padding: theme.spacing(1, 2),
    marginBottom: theme.spacing(1),
  },
  heading: {
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(1),
    flexWrap: 'wrap',
  },
  json: {
    margin: theme.spacing(0.5, 0, 0, 2),
    whiteSpace: 'pre-wrap',
    wordBreak: 'break-word',
    fontSize: '0.75rem',
    maxHeight: 240,
    overflow: 'auto',
  },
}));

function Section(props: { title: string; value: unknown; open?: boolean }) {
  const classes = useStyles();
  if (props.value === undefined) return null;
  const text =
    Array.isArray(props.value) && props.value.every(v => typeof v === 'string')
      ? (props.value as string[]).join('\n')
      : JSON.stringify(props.value, null, 2);
  return (
    <details open={props.open}>
      <summary>
        <Typography variant="caption">{props.title}</Typography>
      </summary>
      <pre className={classes.json}>{text}</pre>
    </details>
  );
}

function Step(props: { step: RunStep }) {
  const classes = useStyles();
  const { step } = props;
  const hasOutput = step.output && Object.keys(step.output).length > 0;
  return (
    <li className={classes.step} aria-label={`Step ${step.id}`}>
      <div className={classes.heading}>
        <Typography variant="subtitle2" component="span">
          {step.id}
          {step.phase === 'onFailure' ? ' (on failure)' : ''}
        </Typography>
        <Typography variant="body2" color="textSecondary" component="span">
          {step.action}
        </Typography>
        <StatusChip status={step.status} />
        <Typography variant="body2" color="textSecondary" component="span">
          {formatDuration(step.startedAt, step.finishedAt)}
          {step.attempts > 1 ? ` · ${step.attempts} attempts` : ''}
        </Typography>
      </div>
      {step.error && (
        <Typography variant="body2" color="error">
          {step.error}
        </Typography>
      )}
      <Section title="Input" value={step.input} />
      <Section title="Output" value={hasOutput ? step.output : undefined} />
      <Section
        title="Log"
        value={step.logs?.length ? step.logs : undefined}
        open
      />
    </li>
  );
}

/** The steps of a run: status, attempts, duration, rendered input, output, error and log. */
export function RunStepsPanel(props: { run: Run; onChanged?: () => void }) {
  const classes = useStyles();
  const { run } = props;
  const location = useLocation();
  return (
    <Box padding={2}>
      <RunControls run={run} onChanged={props.onChanged ?? (() => {})} />
      {run.error && (
        <Typography variant="body2" color="error" gutterBottom>
          {run.error}
        </Typography>
      )}
      <Typography variant="caption">
        <RouterLink
          to={`${location.pathname}?run=${encodeURIComponent(run.id)}`}
        >
          Link to this run
        </RouterLink>
      </Typography>
      <ul className={classes.steps} aria-label={`Steps of run ${run.id}`}>
        {run.steps.map(step => (
          <Step key={step.id} step={step} />
        ))}
      </ul>
      {run.audit?.length > 0 && (
        <Typography variant="caption" color="textSecondary">
          {run.audit
            .map(
              a =>
                `${a.action} by ${a.actor} at ${new Date(
                  a.at,
                ).toLocaleString()}`,
            )
            .join(' · ')}
        </Typography>
      )}
    </Box>
  );
}
