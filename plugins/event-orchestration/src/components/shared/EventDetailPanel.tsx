import { Progress, ResponseErrorPanel } from '@backstage/core-components';
import Box from '@material-ui/core/Box';
import Typography from '@material-ui/core/Typography';
import Alert from '@material-ui/lab/Alert';
import { EventDetails } from '@edo/plugin-event-orchestration-common';
import { useEventDetail } from '../../hooks';
import { StatusChip } from './StatusChip';
import { TestAgainstSensor } from './TestAgainstSensor';

/**
 * An event several entities concern (several may claim its subject): each
 * one's owners see it, and steps that act for one entity refuse to pick.
 */
function SeveralEntitiesNote(props: { details: EventDetails }) {
  const { entityRefs, event } = props.details;
  if (entityRefs.length < 2) return null;
  return (
    <Alert severity="warning" aria-label="Linked entities">
      Linked to {entityRefs.length} entities
      {event.subject ? ` (subject ${event.subject})` : ''}:{' '}
      {entityRefs.join(', ')}. Each one's owners see this event; steps that act
      for one entity, such as notifying the entity's owner, refuse to pick one
      and fail.
    </Alert>
  );
}

/** Every sensor's verdict on an event with its reason, and the event's payload. */
export function EventDetailPanel(props: { eventId: string }) {
  const { value, loading, error } = useEventDetail(props.eventId);
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value) return null;
  return (
    <Box padding={2}>
      <SeveralEntitiesNote details={value} />
      <Typography variant="subtitle2">Sensor verdicts</Typography>
      {value.evaluations.length === 0 ? (
        <Typography variant="body2">
          No sensor listens for events of type {value.event.type}.
        </Typography>
      ) : (
        <ul aria-label="Sensor verdicts">
          {value.evaluations.map(e => (
            <li key={e.sensor}>
              <Typography variant="body2">
                <strong>{e.sensor}</strong>:{' '}
                {e.status ?? (e.matched ? 'matched' : 'not-matched')} —{' '}
                {e.reason}
              </Typography>
            </li>
          ))}
        </ul>
      )}
      <TestAgainstSensor eventId={value.event.id} />
      {value.runs.length > 0 && (
        <>
          <Typography variant="subtitle2">Runs started</Typography>
          <ul>
            {value.runs.map(r => (
              <li key={r.id}>
                <Typography variant="body2" component="span">
                  {r.sensor} ({r.id.slice(0, 8)}){' '}
                  <StatusChip status={r.status} />
                </Typography>
              </li>
            ))}
          </ul>
        </>
      )}
      <details>
        <summary>
          <Typography variant="subtitle2" component="span">
            Event {value.event.id}
          </Typography>
        </summary>
        <pre style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
          {JSON.stringify(value.event, null, 2)}
        </pre>
      </details>
    </Box>
  );
}
