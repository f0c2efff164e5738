import { useState } from 'react';
import { alertApiRef, useApi } from '@backstage/core-plugin-api';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  Run,
  runApprovePermission,
  runManagePermission,
} from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import Button from '@material-ui/core/Button';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { eventOrchestrationApiRef } from '../../api';

/**
 * Retry, cancel, approve or reject a run — each button only for users whose
 * permission allows it, and only when the run's state allows it.
 */
export function RunControls(props: { run: Run; onChanged: () => void }) {
  const { run, onChanged } = props;
  const api = useApi(eventOrchestrationApiRef);
  const alertApi = useApi(alertApiRef);
  const manage = usePermission({ permission: runManagePermission });
  const approve = usePermission({ permission: runApprovePermission });
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);

  const act = (what: string, call: () => Promise<unknown>) => async () => {
    setBusy(true);
    try {
      await call();
      alertApi.post({
        message: `Run ${run.id.slice(0, 8)}: ${what}`,
        severity: 'success',
        display: 'transient',
      });
      setComment('');
      onChanged();
    } catch (error) {
      alertApi.post({
        message: `Could not ${what} run: ${(error as Error).message}`,
        severity: 'error',
      });
    } finally {
      setBusy(false);
    }
  };

  const canRetry =
    manage.allowed && (run.status === 'failed' || run.status === 'cancelled');
  const canCancel =
    manage.allowed && (run.status === 'pending' || run.status === 'running');
  const canDecide = approve.allowed && Boolean(run.pendingApproval);
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
            onClick={act('approved', () =>
              api.decideApproval(run.id, 'approve', comment),
            )}
          >
            Approve
          </Button>
          <Button
            size="small"
            variant="outlined"
            disabled={busy}
            onClick={act('rejected', () =>
              api.decideApproval(run.id, 'reject', comment),
            )}
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
          onClick={act('retried', () => api.retryRun(run.id, comment))}
        >
          Retry
        </Button>
      )}
      {canCancel && (
        <Button
          size="small"
          variant="outlined"
          disabled={busy}
          onClick={act('cancelled', () => api.cancelRun(run.id, comment))}
        >
          Cancel
        </Button>
      )}
    </Box>
  );
}
