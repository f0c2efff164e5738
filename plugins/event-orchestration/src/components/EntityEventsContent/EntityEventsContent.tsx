import { useState } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useEntity } from '@backstage/plugin-catalog-react';
import {
  ARGOCD_APP_NAME_ANNOTATION,
  KUBERNETES_ID_ANNOTATION,
  Run,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import Button from '@material-ui/core/Button';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import { NO_FILTERS, TabFilters, useEntityTimeline } from '../../hooks';
import { EventDetailPanel } from '../shared/EventDetailPanel';
import { RunStepsPanel } from '../shared/RunStepsPanel';
import { SelectedRun } from '../shared/SelectedRun';
import { StatusChip } from '../shared/StatusChip';
import { eventColumn, runColumn } from '../shared/columns';
import { formatTime, summarizeSteps } from '../shared/format';
import { FilterBar } from './Filters';
import { PublishEventButton } from './PublishEventButton';
import { RunActionButton } from './RunActionButton';

const eventColumns: TableColumn<StoredEvent>[] = [
  {
    title: 'Time',
    field: 'event.time',
    render: row => formatTime(row.event.time),
    width: '16em',
  },
  eventColumn.type(),
  eventColumn.summary(),
  eventColumn.matchedSensors({ showNone: true }),
];

const runColumns: TableColumn<Run>[] = [
  runColumn.sensor(),
  {
    title: 'Status',
    render: row => (
      <>
        <StatusChip status={row.status} />
        {row.pendingApproval ? ' awaiting approval' : ''}
      </>
    ),
  },
  runColumn.started(),
  runColumn.duration(),
  {
    title: 'Steps',
    render: row => summarizeSteps(row.steps),
  },
];

/**
 * The entity's Events tab: what happened to it, what the platform did about it,
 * whether that worked, and why a sensor did or did not fire. Updates live
 * through Backstage signals when installed, else every 10 seconds.
 */
export function EntityEventsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  // What events about this entity carry as subject: its Kubernetes id, else its name.
  const subject =
    entity.metadata.annotations?.[KUBERNETES_ID_ANNOTATION] ??
    entity.metadata.name;
  const [filters, setFilters] = useState<TabFilters>(NO_FILTERS);
  const { timeline, loading, error, refresh, loadMore, isLive } =
    useEntityTimeline(entityRef, filters);

  if (!timeline && loading) return <Progress />;
  if (!timeline && error) return <ResponseErrorPanel error={error} />;
  if (!timeline) return null;

  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const { runs, events, moreRuns, moreEvents } = timeline;

  if (timeline.firstPageEmpty && !filtered) {
    return (
      <EmptyState
        missing="data"
        title="No events for this entity yet"
        description={
          <>
            Events are linked to {entity.metadata.name} when their subject
            matches its <code>{KUBERNETES_ID_ANNOTATION}</code> or{' '}
            <code>{ARGOCD_APP_NAME_ANNOTATION}</code> annotation or its name, or
            when the sender names <code>{entityRef}</code>. Send one to a
            webhook source, for example{' '}
            <code>POST /api/event-orchestration/webhooks/alertmanager</code>.
          </>
        }
        action={
          <>
            <PublishEventButton
              entityRef={entityRef}
              subject={subject}
              onPublished={refresh}
            />{' '}
            <RunActionButton entityRef={entityRef} onStarted={refresh} />{' '}
            <Link to="https://prometheus.io/docs/alerting/latest/configuration/#webhook_config">
              Alertmanager webhook receivers
            </Link>
          </>
        }
      />
    );
  }

  return (
    <Grid container spacing={3}>
      <Grid item xs={12}>
        <SelectedRun />
      </Grid>
      <Grid
        item
        xs={12}
        style={{
          display: 'flex',
          justifyContent: 'space-between',
          flexWrap: 'wrap',
          gap: 16,
        }}
      >
        <FilterBar value={filters} onChange={setFilters} />
        <span style={{ display: 'flex', gap: 8 }}>
          <PublishEventButton
            entityRef={entityRef}
            subject={subject}
            onPublished={refresh}
          />
          <RunActionButton entityRef={entityRef} onStarted={refresh} />
        </span>
      </Grid>
      {error && (
        <Grid item xs={12}>
          <ResponseErrorPanel
            error={error}
            title="Refreshing failed; showing the last data"
          />
        </Grid>
      )}
      <Grid item xs={12}>
        <Table<Run>
          title="Runs"
          subtitle={isLive ? 'live' : 'refreshed every 10 s'}
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={runColumns}
          data={runs}
          detailPanel={({ rowData }) => (
            <RunStepsPanel run={rowData} onChanged={refresh} />
          )}
          emptyContent={
            <Typography variant="body2" style={{ padding: 16 }}>
              {filtered
                ? 'No run matches the filters.'
                : 'No sensor has started a run for this entity yet.'}
            </Typography>
          }
        />
        {moreRuns && (
          <Button onClick={() => loadMore('runs')} style={{ marginTop: 8 }}>
            Load older runs
          </Button>
        )}
      </Grid>
      <Grid item xs={12}>
        <Table<StoredEvent>
          title="Events"
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={eventColumns}
          data={events}
          detailPanel={({ rowData }) => (
            <EventDetailPanel eventId={rowData.event.id} />
          )}
          emptyContent={
            <Typography variant="body2" style={{ padding: 16 }}>
              No event matches the filters.
            </Typography>
          }
        />
        {moreEvents && (
          <Button onClick={() => loadMore('events')} style={{ marginTop: 8 }}>
            Load older events
          </Button>
        )}
      </Grid>
    </Grid>
  );
}
