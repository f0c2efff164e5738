import { Run } from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import Table from '@material-ui/core/Table';
import TableBody from '@material-ui/core/TableBody';
import TableCell from '@material-ui/core/TableCell';
import TableHead from '@material-ui/core/TableHead';
import TableRow from '@material-ui/core/TableRow';
import Typography from '@material-ui/core/Typography';
import { StatusChip } from '../shared/StatusChip';
import { formatDuration } from '../shared/format';

function Json(props: { value: unknown }) {
  if (props.value === undefined) return <>—</>;
  return (
    <pre style={{ margin: 0, whiteSpace: 'pre-wrap', wordBreak: 'break-word', maxWidth: 420 }}>
      {JSON.stringify(props.value, null, 2)}
    </pre>
  );
}

/** The steps of a run: status, attempts, duration, rendered input, output, error and log. */
export function RunStepsPanel(props: { run: Run }) {
  const { run } = props;
  return (
    <Box padding={2}>
      {run.error && (
        <Typography variant="body2" color="error" gutterBottom>
          {run.error}
        </Typography>
      )}
      <Table size="small" aria-label={`Steps of run ${run.id}`}>
        <TableHead>
          <TableRow>
            <TableCell>Step</TableCell>
            <TableCell>Action</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Attempts</TableCell>
            <TableCell>Duration</TableCell>
            <TableCell>Input</TableCell>
            <TableCell>Output</TableCell>
            <TableCell>Error and log</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {run.steps.map(step => (
            <TableRow key={step.id}>
              <TableCell>
                {step.id}
                {step.phase === 'onFailure' ? ' (on failure)' : ''}
              </TableCell>
              <TableCell>{step.action}</TableCell>
              <TableCell>
                <StatusChip status={step.status} />
              </TableCell>
              <TableCell>{step.attempts}</TableCell>
              <TableCell>{formatDuration(step.startedAt, step.finishedAt)}</TableCell>
              <TableCell>
                <Json value={step.input} />
              </TableCell>
              <TableCell>
                <Json value={step.output && Object.keys(step.output).length ? step.output : undefined} />
              </TableCell>
              <TableCell>
                {step.error && (
                  <Typography variant="body2" color="error">
                    {step.error}
                  </Typography>
                )}
                {step.logs && step.logs.length > 0 && (
                  <pre style={{ margin: 0, whiteSpace: 'pre-wrap', fontSize: '0.75rem' }}>
                    {step.logs.join('\n')}
                  </pre>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Box>
  );
}
