import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  InfoCard,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { useEntityOverview } from '../../hooks';
import { StatusChip } from '../shared/StatusChip';
import { formatTime, summarizeEvent } from '../shared/format';

/** For the entity overview: the last run, runs awaiting approval, the last events. */
export function EntityEventOrchestrationCard() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  const { value, loading, error } = useEntityOverview(entityRef);

  return (
    <InfoCard
      title="Event Orchestration"
      deepLink={{ title: 'All events and runs', link: 'events' }}
    >
      {loading && <Progress />}
      {error && <ResponseErrorPanel error={error} />}
      {value && (
        <>
          {value.runs[0] ? (
            <Typography variant="body2" component="div">
              Last run: {value.runs[0].sensor}{' '}
              <StatusChip status={value.runs[0].status} />{' '}
              {formatTime(value.runs[0].startedAt ?? value.runs[0].createdAt)}
            </Typography>
          ) : (
            <Typography variant="body2">No run yet.</Typography>
          )}
          {value.runs.some(r => r.pendingApproval) && (
            <List dense aria-label="Runs awaiting approval">
              {value.runs
                .filter(r => r.pendingApproval)
                .map(r => (
                  <ListItem key={r.id} disableGutters>
                    <ListItemText
                      primary={`Awaiting approval: ${
                        r.pendingApproval!.prompt
                      }`}
                      secondary={`${r.sensor} · since ${formatTime(
                        r.pendingApproval!.requestedAt,
                      )}`}
                    />
                  </ListItem>
                ))}
            </List>
          )}
          {value.events.length === 0 ? (
            <Typography variant="body2">No event yet.</Typography>
          ) : (
            <List dense aria-label="Last events">
              {value.events.map(e => (
                <ListItem key={e.event.id} disableGutters>
                  <ListItemText
                    primary={summarizeEvent(e)}
                    secondary={`${e.event.type} · ${formatTime(e.event.time)}`}
                  />
                </ListItem>
              ))}
            </List>
          )}
        </>
      )}
    </InfoCard>
  );
}
