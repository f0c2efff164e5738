import Chip from '@material-ui/core/Chip';
import { makeStyles } from '@material-ui/core/styles';
import { StepStatus } from '@edo/plugin-event-orchestration-common';

const useStyles = makeStyles(theme => ({
  succeeded: {
    backgroundColor: theme.palette.success.main,
    color: theme.palette.success.contrastText,
  },
  failed: {
    backgroundColor: theme.palette.error.main,
    color: theme.palette.error.contrastText,
  },
  running: {
    backgroundColor: theme.palette.info.main,
    color: theme.palette.info.contrastText,
  },
  // Parked at an approval: someone has to act.
  waiting: {
    backgroundColor: theme.palette.warning.main,
    color: theme.palette.warning.contrastText,
  },
  pending: {},
  cancelled: {},
  skipped: {},
}));

/** A run or step status as a coloured chip; the text stays readable for screen readers. */
export function StatusChip(props: { status: StepStatus }) {
  const classes = useStyles();
  return (
    <Chip
      size="small"
      label={props.status}
      className={classes[props.status]}
      variant={
        ['pending', 'cancelled', 'skipped'].includes(props.status)
          ? 'outlined'
          : 'default'
      }
    />
  );
}
