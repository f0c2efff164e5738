import { useEffect, useState } from 'react';
import { stringifyEntityRef } from '@backstage/catalog-model';
import {
  EmptyState,
  Link,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { useSignal } from '@backstage/plugin-signals-react';
import { Run, StoredEvent } from '@edo/plugin-event-orchestration-common';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useRefreshOnSignal } from '../shared/useRefreshOnSignal';
import { SelectedRun } from '../shared/SelectedRun';
import { PublishEventButton } from './PublishEventButton';
import { eventOrchestrationApiRef } from '../../api';
import { StatusChip } from '../shared/StatusChip';
import { formatDuration, formatTime, summarizeEvent } from '../shared/format';
import { EventDetailPanel } from './EventDetailPanel';
import { RunStepsPanel } from './RunStepsPanel';

/** How often to refresh when Backstage signals are not installed. */
const POLL_INTERVAL_MS = 10_000;

const eventColumns: TableColumn<StoredEvent>[] = [
  { title: 'Time', field: 'event.time', render: row => formatTime(row.event.time), width: '16em' },
  { title: 'Type', field: 'event.type' },
  { title: 'Summary', render: row => summarizeEvent(row) },
  {
    title: 'Matched sensors',
    render: row =>
      row.matchedSensors.length ? (
        row.matchedSensors.map(s => <Chip key={s} size="small" label={s} />)
      ) : (
        <Typography variant="body2" color="textSecondary">
          none
        </Typography>
      ),
  },
];

const runColumns: TableColumn<Run>[] = [
  { title: 'Sensor', field: 'sensor' },
  {
    title: 'Status',
    render: row => (
      <>
        <StatusChip status={row.status} />
        {row.pendingApproval ? ' awaiting approval' : ''}
      </>
    ),
  },
  { title: 'Started', render: row => formatTime(row.startedAt ?? row.createdAt) },
  { title: 'Duration', render: row => formatDuration(row.startedAt, row.finishedAt) },
  {
    title: 'Steps',
    render: row => stepsSummary(row.steps),
  },
];

/** "1 of 2 succeeded; 2 onFailure ran": main steps, then the failure handlers that ran. */
function stepsSummary(steps: Array<{ status: string; phase?: string }>) {
  const main = steps.filter(s => s.phase !== 'onFailure');
  const succeeded = main.filter(s => s.status === 'succeeded').length;
  const handlers = steps.filter(s => s.phase === 'onFailure' && ['succeeded', 'failed'].includes(s.status)).length;
  return `${succeeded} of ${main.length} succeeded${handlers ? `; ${handlers} onFailure ran` : ''}`;
}

/**
 * The entity's Events tab: what happened to it, what the platform did about it,
 * whether that worked, and why a sensor did or did not fire. Updates live
 * through Backstage signals when installed, else every 10 seconds.
 */
export function EntityEventsContent() {
  const { entity } = useEntity();
  const entityRef = stringifyEntityRef(entity);
  // What events about this entity carry as subject: its Kubernetes id, else its name.
  const subject = entity.metadata.annotations?.['backstage.io/kubernetes-id'] ?? entity.metadata.name;
  const api = useApi(eventOrchestrationApiRef);
  const { lastSignal: runSignal, isSignalsAvailable } = useSignal('event-orchestration:runs');
  const { lastSignal: eventSignal } = useSignal('event-orchestration:events');

  const { value, loading, error, retry } = useAsyncRetry(
    async () => {
      const [events, runs] = await Promise.all([
        api.listEvents({ entityRef, limit: 50 }),
        api.listRuns({ entityRef, limit: 50 }),
      ]);
      return { events: events.items, runs: runs.items };
    },
    [api, entityRef],
  );

  // Keep the last data while refreshing, so tables do not flicker.
  const [data, setData] = useState<typeof value>();
  useEffect(() => {
    if (value) setData(value);
  }, [value]);

  const concerns = (signal: unknown) =>
    Array.isArray((signal as { entityRefs?: unknown })?.entityRefs) &&
    (signal as { entityRefs: string[] }).entityRefs.includes(entityRef.toLocaleLowerCase('en-US'));
  useRefreshOnSignal(runSignal, retry, concerns);
  useRefreshOnSignal(eventSignal, retry, concerns);

  useEffect(() => {
    if (isSignalsAvailable) return undefined;
    const timer = setInterval(retry, POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [isSignalsAvailable, retry]);

  if (!data && loading) return <Progress />;
  if (!data && error) return <ResponseErrorPanel error={error} />;
  if (!data) return null;

  if (data.events.length === 0 && data.runs.length === 0) {
    return (
      <EmptyState
        missing="data"
        title="No events for this entity yet"
        description={
          <>
            Events are linked to {entity.metadata.name} when their subject matches its{' '}
            <code>backstage.io/kubernetes-id</code> or <code>argocd/app-name</code> annotation or its
            name, or when the sender names <code>{entityRef}</code>. Send one to a webhook source, for
            example <code>POST /api/event-orchestration/webhooks/alertmanager</code>.
          </>
        }
        action={
          <>
            <PublishEventButton entityRef={entityRef} subject={subject} onPublished={retry} />{' '}
            <Link to="https://prometheus.io/docs/alerting/latest/configuration/#webhook_config">Alertmanager webhook receivers</Link>
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
      <Grid item xs={12} style={{ display: 'flex', justifyContent: 'flex-end' }}>
        <PublishEventButton entityRef={entityRef} subject={subject} onPublished={retry} />
      </Grid>
      {error && (
        <Grid item xs={12}>
          <ResponseErrorPanel error={error} title="Refreshing failed; showing the last data" />
        </Grid>
      )}
      <Grid item xs={12}>
        <Table<Run>
          title="Runs"
          subtitle={isSignalsAvailable ? 'live' : 'refreshed every 10 s'}
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={runColumns}
          data={data.runs}
          detailPanel={({ rowData }) => <RunStepsPanel run={rowData} onChanged={retry} />}
          emptyContent={
            <Typography variant="body2" style={{ padding: 16 }}>
              No sensor has started a run for this entity yet.
            </Typography>
          }
        />
      </Grid>
      <Grid item xs={12}>
        <Table<StoredEvent>
          title="Events"
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={eventColumns}
          data={data.events}
          detailPanel={({ rowData }) => <EventDetailPanel eventId={rowData.event.id} />}
        />
      </Grid>
    </Grid>
  );
}
