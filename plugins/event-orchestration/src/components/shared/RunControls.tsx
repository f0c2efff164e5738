import { useState } from 'react';
import { Run } from '@edo/plugin-event-orchestration-common';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useRunActions } from '../../hooks';
import { ControlRow } from './ControlRow';

/**
 * Retry, cancel, approve or reject a run — each button only for users whose
 * permission allows it, and only when the run's state allows it.
 */
export function RunControls(props: { run: Run; onChanged: () => void }) {
  const { run, onChanged } = props;
  const [comment, setComment] = useState('');
  const actions = useRunActions(run, () => {
    setComment('');
    onChanged();
  });
  const { busy, canRetry, canCancel, canDecide } = actions;
  if (!canRetry && !canCancel && !canDecide && !run.pendingApproval)
    return null;

  return (
    <ControlRow>
      {run.pendingApproval && (
        <Typography variant="body2">
          Waiting for approval: <strong>{run.pendingApproval.prompt}</strong>
        </Typography>
      )}
      {(canRetry || canCancel || canDecide) && (
        <TextField
          id={`run-comment-${run.id}`}
          size="small"
          label="Comment"
          value={comment}
          onChange={e => setComment(e.target.value)}
          inputProps={{ 'aria-label': 'Comment' }}
        />
      )}
      {canDecide && (
        <>
          <Button
            size="small"
            variant="contained"
            color="primary"
            disabled={busy}
            onClick={() => actions.approve(comment)}
          >
            Approve
          </Button>
          <Button
            size="small"
            variant="outlined"
            disabled={busy}
            onClick={() => actions.reject(comment)}
          >
            Reject
          </Button>
        </>
      )}
      {canRetry && (
        <Button
          size="small"
          variant="outlined"
          disabled={busy}
          onClick={() => actions.retry(comment)}
        >
          Retry
        </Button>
      )}
      {canCancel && (
        <Button
          size="small"
          variant="outlined"
          disabled={busy}
          onClick={() => actions.cancel(comment)}
        >
          Cancel
        </Button>
      )}
    </ControlRow>
  );
}
