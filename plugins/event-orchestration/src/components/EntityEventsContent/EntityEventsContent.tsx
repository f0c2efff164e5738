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
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import Typography from '@material-ui/core/Typography';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { useRefreshOnSignal } from '../shared/useRefreshOnSignal';
import { SelectedRun } from '../shared/SelectedRun';
import { PublishEventButton } from './PublishEventButton';
import { FilterBar, NO_FILTERS, TabFilters, sinceOf } from './Filters';
import { eventOrchestrationApiRef } from '../../api';
import { StatusChip } from '../shared/StatusChip';
import { formatDuration, formatTime, summarizeEvent } from '../shared/format';
import { EventDetailPanel } from './EventDetailPanel';
import { RunStepsPanel } from './RunStepsPanel';

/** How often to refresh when Backstage signals are not installed. */
const POLL_INTERVAL_MS = 10_000;

const eventColumns: TableColumn<StoredEvent>[] = [
  {
    title: 'Time',
    field: 'event.time',
    render: row => formatTime(row.event.time),
    width: '16em',
  },
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
  {
    title: 'Started',
    render: row => formatTime(row.startedAt ?? row.createdAt),
  },
  {
    title: 'Duration',
    render: row => formatDuration(row.startedAt, row.finishedAt),
  },
  {
    title: 'Steps',
    render: row => stepsSummary(row.steps),
  },
];

/** Items per page of the tab's tables. */
const PAGE = 50;

interface OlderPages {
  events: StoredEvent[];
  runs: Run[];
  /** undefined: continue after the first page; null: nothing older. */
  eventsCursor?: string | null;
  runsCursor?: string | null;
}
const NO_OLDER: OlderPages = { events: [], runs: [] };

/** The first page followed by the older pages, each item once. */
function mergeById<T>(first: T[], more: T[], id: (item: T) => string): T[] {
  const seen = new Set(first.map(id));
  return [...first, ...more.filter(item => !seen.has(id(item)))];
}

/** "1 of 2 succeeded; 2 onFailure ran": main steps, then the failure handlers that ran. */
function stepsSummary(steps: Array<{ status: string; phase?: string }>) {
  const main = steps.filter(s => s.phase !== 'onFailure');
  const succeeded = main.filter(s => s.status === 'succeeded').length;
  const handlers = steps.filter(
    s => s.phase === 'onFailure' && ['succeeded', 'failed'].includes(s.status),
  ).length;
  return `${succeeded} of ${main.length} succeeded${
    handlers ? `; ${handlers} onFailure ran` : ''
  }`;
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
  const subject =
    entity.metadata.annotations?.['backstage.io/kubernetes-id'] ??
    entity.metadata.name;
  const api = useApi(eventOrchestrationApiRef);
  const { lastSignal: runSignal, isSignalsAvailable } = useSignal(
    'event-orchestration:runs',
  );
  const { lastSignal: eventSignal } = useSignal('event-orchestration:events');

  const [filters, setFilters] = useState<TabFilters>(NO_FILTERS);
  const queries = () => {
    const since = sinceOf(filters.range);
    return {
      events: {
        entityRef,
        limit: PAGE,
        type: filters.type.trim() || undefined,
        since,
      },
      runs: {
        entityRef,
        limit: PAGE,
        sensor: filters.sensor.trim() || undefined,
        status: filters.status || undefined,
        since,
      },
    };
  };
  const { value, loading, error, retry } = useAsyncRetry(
    async () => {
      const q = queries();
      const [events, runs] = await Promise.all([
        api.listEvents(q.events),
        api.listRuns(q.runs),
      ]);
      return {
        events: events.items,
        runs: runs.items,
        eventsCursor: events.nextCursor,
        runsCursor: runs.nextCursor,
      };
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, entityRef, filters],
  );

  // Older pages, loaded on request; the live refresh renews the first page only.
  const [older, setOlder] = useState<OlderPages>(NO_OLDER);
  useEffect(() => setOlder(NO_OLDER), [filters, entityRef]);
  const loadMore = async (what: 'events' | 'runs') => {
    const q = queries();
    const cursor =
      what === 'events'
        ? older.eventsCursor ?? value?.eventsCursor
        : older.runsCursor ?? value?.runsCursor;
    if (!cursor) return;
    if (what === 'events') {
      const page = await api.listEvents({ ...q.events, cursor });
      setOlder(o => ({
        ...o,
        events: [...o.events, ...page.items],
        eventsCursor: page.nextCursor ?? null,
      }));
    } else {
      const page = await api.listRuns({ ...q.runs, cursor });
      setOlder(o => ({
        ...o,
        runs: [...o.runs, ...page.items],
        runsCursor: page.nextCursor ?? null,
      }));
    }
  };

  // Keep the last data while refreshing, so tables do not flicker.
  const [data, setData] = useState<typeof value>();
  useEffect(() => {
    if (value) setData(value);
  }, [value]);

  const concerns = (signal: unknown) =>
    Array.isArray((signal as { entityRefs?: unknown })?.entityRefs) &&
    (signal as { entityRefs: string[] }).entityRefs.includes(
      entityRef.toLocaleLowerCase('en-US'),
    );
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

  const filtered = JSON.stringify(filters) !== JSON.stringify(NO_FILTERS);
  const runs = mergeById(data.runs, older.runs, r => r.id);
  const events = mergeById(data.events, older.events, e => e.event.id);
  const moreRuns =
    older.runsCursor === null
      ? false
      : Boolean(older.runsCursor ?? data.runsCursor);
  const moreEvents =
    older.eventsCursor === null
      ? false
      : Boolean(older.eventsCursor ?? data.eventsCursor);

  if (data.events.length === 0 && data.runs.length === 0 && !filtered) {
    return (
      <EmptyState
        missing="data"
        title="No events for this entity yet"
        description={
          <>
            Events are linked to {entity.metadata.name} when their subject
            matches its <code>backstage.io/kubernetes-id</code> or{' '}
            <code>argocd/app-name</code> annotation or its name, or when the
            sender names <code>{entityRef}</code>. Send one to a webhook source,
            for example{' '}
            <code>POST /api/event-orchestration/webhooks/alertmanager</code>.
          </>
        }
        action={
          <>
            <PublishEventButton
              entityRef={entityRef}
              subject={subject}
              onPublished={retry}
            />{' '}
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
        <PublishEventButton
          entityRef={entityRef}
          subject={subject}
          onPublished={retry}
        />
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
          subtitle={isSignalsAvailable ? 'live' : 'refreshed every 10 s'}
          options={{ paging: false, search: false, padding: 'dense' }}
          columns={runColumns}
          data={runs}
          detailPanel={({ rowData }) => (
            <RunStepsPanel run={rowData} onChanged={retry} />
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
