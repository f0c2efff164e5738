import { useState } from 'react';
import Button from '@material-ui/core/Button';
import Dialog from '@material-ui/core/Dialog';
import DialogActions from '@material-ui/core/DialogActions';
import DialogContent from '@material-ui/core/DialogContent';
import DialogTitle from '@material-ui/core/DialogTitle';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { useActionRunPermission, useRunAction } from '../../hooks';
import { GuardedButton } from '../shared/PermittedButton';

function RunButton(props: {
  actionId: string;
  disabled: boolean;
  onClick: () => void;
}) {
  const permitted = useActionRunPermission(props.actionId);
  return (
    <GuardedButton
      color="primary"
      variant="contained"
      permitted={permitted}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      Run
    </GuardedButton>
  );
}

/**
 * "Run action": one of the actions the deployment lets users run by hand
 * (`eventOrchestration.actions.manual.allowed`), about this entity, as the
 * signed-in user. Disabled, with a tooltip naming the missing permission, for
 * users who may not act about the entity or run that action.
 */
export function RunActionButton(props: {
  entityRef: string;
  onStarted: () => void;
}) {
  const { entityRef, onStarted } = props;
  const [open, setOpen] = useState(false);
  const { permitted, actions, actionsError, run, busy, error } = useRunAction(
    entityRef,
    { loadActions: open },
  );
  const [actionId, setActionId] = useState('');
  const [input, setInput] = useState('{}');

  const selected = actionId || actions?.[0]?.id || '';
  let parsed: Record<string, unknown> | undefined;
  let inputError: string | undefined;
  try {
    const value = JSON.parse(input);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      parsed = value;
    } else {
      inputError = 'An object, like {"message": "hello"}';
    }
  } catch (e) {
    inputError = `Not JSON: ${(e as Error).message}`;
  }

  const submit = async () => {
    if (parsed && (await run(selected, parsed))) {
      setOpen(false);
      onStarted();
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
        Run action
      </GuardedButton>
      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        aria-labelledby="run-action-title"
        fullWidth
        maxWidth="sm"
      >
        <DialogTitle id="run-action-title">
          Run an action about {entityRef}
        </DialogTitle>
        <DialogContent>
          <TextField
            id="run-action-id"
            select
            label="Action"
            value={selected}
            onChange={e => setActionId(e.target.value)}
            helperText={
              actionsError
                ? `Actions could not be loaded: ${actionsError.message}`
                : 'The actions this deployment lets users run by hand'
            }
            fullWidth
            margin="dense"
          >
            {(actions ?? []).map(action => (
              <MenuItem key={action.id} value={action.id}>
                {action.id}
                {action.description ? ` — ${action.description}` : ''}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            id="run-action-input"
            label="Input (JSON)"
            value={input}
            onChange={e => setInput(e.target.value)}
            error={Boolean(inputError)}
            helperText={inputError ?? "Checked against the action's schema"}
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
          {selected && (
            <RunButton
              actionId={selected}
              disabled={busy || Boolean(inputError)}
              onClick={submit}
            />
          )}
        </DialogActions>
      </Dialog>
    </>
  );
}
