import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { usePublishEvent } from '../../hooks';
import { EVENT_TYPE_PATTERN } from '@edo/plugin-event-orchestration-common';
import { GuardedButton } from '../shared/PermittedButton';

/**
 * "Publish event": a manual event about this entity, as the signed-in user (the
 * backend records them as the actor). Disabled, with a tooltip naming the
 * missing permission, for users who may not publish about this entity.
 */
export function PublishEventButton(props: {
  entityRef: string;
  subject: string;
  onPublished: () => void;
}) {
  const { entityRef, subject, onPublished } = props;
  const { permitted, publish, busy, error } = usePublishEvent({
    entityRef,
    subject,
  });
  const [open, setOpen] = useState(false);
  const [type, setType] = useState('portal.manual');
  const [data, setData] = useState('{}');

  let parsed: unknown;
  let dataError: string | undefined;
  try {
    parsed = JSON.parse(data);
  } catch (e) {
    dataError = `Not JSON: ${(e as Error).message}`;
  }
  const typeError = EVENT_TYPE_PATTERN.test(type)
    ? undefined
    : 'Dotted lower-case, like portal.deploy.requested';

  const submit = async () => {
    if (await publish(type, parsed)) {
      setOpen(false);
      onPublished();
    }
  };

  return (
    <>
      <GuardedButton
        variant="outlined"
        color="primary"
        permitted={permitted}
        onClick={() => setOpen(true)}
      >
        Publish event
      </GuardedButton>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        aria-labelledby="publish-event-title"
        fullWidth
        maxWidth="sm"
      >
        <DialogTitle id="publish-event-title">
          Publish an event about {subject}
        </DialogTitle>
        <DialogContent>
          <TextField
            id="publish-event-type"
            label="Type"
            value={type}
            onChange={e => setType(e.target.value)}
            error={Boolean(typeError)}
            helperText={
              typeError ?? 'Sensors listening to this type will see it'
            }
            fullWidth
            margin="dense"
          />
          <TextField
            id="publish-event-data"
            label="Data (JSON)"
            value={data}
            onChange={e => setData(e.target.value)}
            error={Boolean(dataError)}
            helperText={
              dataError ??
              `Subject ${subject}, entity ${entityRef}; you are recorded as the actor`
            }
            fullWidth
            multiline
            minRows={4}
            margin="dense"
            inputProps={{ style: { fontFamily: 'monospace' } }}
          />
          {error && (
            <Typography role="alert" color="error" variant="body2">
              {error}
            </Typography>
          )}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setOpen(false)}>Cancel</Button>
          <Button
            color="primary"
            variant="contained"
            disabled={busy || Boolean(typeError || dataError)}
            onClick={submit}
          >
            Publish
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
