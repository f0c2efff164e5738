import { useState } from 'react';
import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { DeadLetter } from '@edo/plugin-event-orchestration-common';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogContentText from '@material-ui/core/DialogContentText';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useDeadLetters } from '../../hooks';
import { formatTime } from '../shared/format';
import { GuardedButton } from '../shared/PermittedButton';

function RedriveDialog(props: {
  deadLetter: DeadLetter;
  busy: boolean;
  onCancel: () => void;
  onConfirm: (comment: string) => void;
}) {
  const { deadLetter, busy, onCancel, onConfirm } = props;
  const [comment, setComment] = useState('');
  return (
    <Dialog open onClose={onCancel} aria-labelledby="redrive-dialog-title">
      <DialogTitle id="redrive-dialog-title">
        Re-drive event {deadLetter.eventId}?
      </DialogTitle>
      <DialogContent>
        <DialogContentText>
          The event ({deadLetter.eventType}) is delivered again to subscriber{' '}
          <strong>{deadLetter.subscriber}</strong> only, with a fresh attempt
          count. If it fails again it is dead-lettered again.
        </DialogContentText>
        <TextField
          id="redrive-comment"
          label="Comment (kept with the re-drive)"
          value={comment}
          onChange={e => setComment(e.target.value)}
          fullWidth
          margin="dense"
        />
      </DialogContent>
      <DialogActions>
        <Button onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
        <Button
          color="primary"
          variant="contained"
          disabled={busy}
          onClick={() => onConfirm(comment)}
        >
          Re-drive
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/**
 * Events the bus's subscribers gave up on, with a Re-drive button (after a
 * confirmation), disabled with a tooltip for users without
 * `event-orchestration.deadletter.redrive`.
 */
export function DeadLetters(props: { onChanged?: () => void }) {
  const { deadLetters, loading, error, refresh, permitted, redrive } =
    useDeadLetters();
  const [confirming, setConfirming] = useState<DeadLetter | undefined>();
  const [busy, setBusy] = useState(false);

  const confirm = async (comment: string) => {
    if (!confirming) return;
    setBusy(true);
    await redrive(confirming, comment);
    setBusy(false);
    setConfirming(undefined);
    refresh();
    props.onChanged?.();
  };

  const columns: TableColumn<DeadLetter>[] = [
    { title: 'Subscriber', field: 'subscriber' },
    { title: 'Event', field: 'eventId' },
    { title: 'Type', field: 'eventType' },
    { title: 'Subject', render: d => d.subject ?? '—' },
    { title: 'Attempts', render: d => d.attempts ?? '—' },
    { title: 'Last error', render: d => d.lastError ?? '—' },
    { title: 'Dead-lettered', render: d => formatTime(d.deadLetteredAt) },
    {
      title: 'Re-drive',
      render: (d: DeadLetter) => (
        <GuardedButton
          size="small"
          variant="outlined"
          aria-label={`Re-drive event ${d.eventId} to ${d.subscriber}`}
          permitted={permitted}
          onClick={() => setConfirming(d)}
        >
          Re-drive
        </GuardedButton>
      ),
    },
  ];

  if (loading && !deadLetters) return <Progress />;
  if (error)
    return (
      <ResponseErrorPanel
        error={error}
        title="Dead letters could not be loaded"
      />
    );
  return (
    <>
      <Table<DeadLetter>
        title="Dead-lettered events"
        options={{ paging: false, search: false, padding: 'dense' }}
        columns={columns}
        data={deadLetters ?? []}
        emptyContent={
          <Typography variant="body2" style={{ padding: 16 }}>
            No dead-lettered events.
          </Typography>
        }
      />
      {confirming && (
        <RedriveDialog
          deadLetter={confirming}
          busy={busy}
          onCancel={() => setConfirming(undefined)}
          onConfirm={confirm}
        />
      )}
    </>
  );
}
