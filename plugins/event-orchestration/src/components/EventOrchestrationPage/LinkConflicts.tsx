import {
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { EntityRefLink } from '@backstage/plugin-catalog-react';
import { LinkConflict } from '@edo/plugin-event-orchestration-common';
import Typography from '@material-ui/core/Typography';
import useAsync from 'react-use/esm/useAsync';
import { eventOrchestrationApiRef } from '../../api';
import { formatTime } from '../shared/format';

const columns: TableColumn<LinkConflict>[] = [
  { title: 'Subject', field: 'subject' },
  {
    title: 'Claimed by',
    render: row => (
      <>
        {row.entityRefs.map((ref, i) => (
          <span key={ref}>
            {i > 0 && ', '}
            <EntityRefLink entityRef={ref} />
          </span>
        ))}
      </>
    ),
  },
  { title: 'Events', field: 'events' },
  { title: 'Last seen', render: row => formatTime(row.lastSeenAt) },
];

/**
 * Subjects several catalog entities claim (issue 18, finding 6): their events
 * are linked to all of them, and steps or notifications that need one entity
 * refuse to guess. Shown on the Bus tab so an owner sees who else claims
 * their application's name.
 */
export function LinkConflicts() {
  const api = useApi(eventOrchestrationApiRef);
  const { value, loading, error } = useAsync(
    () => api.listLinkConflicts(),
    [api],
  );
  if (loading) return <Progress />;
  if (error) return <ResponseErrorPanel error={error} />;
  if (!value?.items.length) {
    return (
      <Typography variant="body2">
        No subject is claimed by several entities.
      </Typography>
    );
  }
  return (
    <Table<LinkConflict>
      title="Subjects claimed by several entities"
      subtitle="Their events are linked to every claimant; steps and notifications that need one entity refuse to guess. Remove or change the annotation on the entity that should not claim it."
      options={{ paging: false, search: false, padding: 'dense' }}
      columns={columns}
      data={value.items}
    />
  );
}
