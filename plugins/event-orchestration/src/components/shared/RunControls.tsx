import { useState } from 'react';
import { Run } from '@edo/plugin-event-orchestration-common';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useRunActions } from '../../hooks';
import { ControlRow } from './ControlRow';
import { GuardedButton } from './PermittedButton';

/**
 * Retry, cancel, approve or reject a run, when the run's state allows it. A
 * user the permission policy refuses sees the button disabled, with a tooltip
 * naming the permission and entity it lacks (the backend checks the same).
 */
export function RunControls(props: { run: Run; onChanged: () => void }) {
  const { run, onChanged } = props;
  const [comment, setComment] = useState('');
  const actions = useRunActions(run, () => {
    setComment('');
    onChanged();
  });
  const { busy, offersRetry, offersCancel, offersDecision } = actions;
  const { mayManage: manage, mayDecide: approve } = actions;
  if (!offersRetry && !offersCancel && !offersDecision) return null;
  const mayAct =
    ((offersRetry || offersCancel) && manage.allowed) ||
    (offersDecision && approve.allowed);

  return (
    <ControlRow>
      {run.pendingApproval && (
        <Typography variant="body2">
          Waiting for approval: <strong>{run.pendingApproval.prompt}</strong>
        </Typography>
      )}
      <TextField
        id={`run-comment-${run.id}`}
        size="small"
        label="Comment"
        value={comment}
        disabled={!mayAct}
        onChange={e => setComment(e.target.value)}
        inputProps={{ 'aria-label': 'Comment' }}
      />
      {offersDecision && (
        <>
          <GuardedButton
            size="small"
            variant="contained"
            color="primary"
            permitted={approve}
            disabled={busy}
            onClick={() => actions.approve(comment)}
          >
            Approve
          </GuardedButton>
          <GuardedButton
            size="small"
            variant="outlined"
            permitted={
              approve.allowed && !comment.trim()
                ? {
                    allowed: false,
                    missing: 'A rejection needs a reason: write it in Comment',
                  }
                : approve
            }
            disabled={busy}
            onClick={() => actions.reject(comment)}
          >
            Reject
          </GuardedButton>
        </>
      )}
      {offersRetry && (
        <GuardedButton
          size="small"
          variant="outlined"
          permitted={manage}
          disabled={busy}
          onClick={() => actions.retry(comment)}
        >
          Retry
        </GuardedButton>
      )}
      {offersCancel && (
        <GuardedButton
          size="small"
          variant="outlined"
          permitted={manage}
          disabled={busy}
          onClick={() => actions.cancel(comment)}
        >
          Cancel
        </GuardedButton>
      )}
    </ControlRow>
  );
}
