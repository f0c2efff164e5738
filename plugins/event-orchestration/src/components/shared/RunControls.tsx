import { useState } from 'react';
import { Run } from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useRunActions } from '../../hooks';

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
    <Box
      display="flex"
      alignItems="center"
      flexWrap="wrap"
      style={{ gap: 8 }}
      marginTop={1}
    >
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
    </Box>
  );
}
