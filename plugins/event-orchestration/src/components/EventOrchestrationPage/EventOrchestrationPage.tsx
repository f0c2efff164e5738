import { useState } from 'react';
import {
  Content,
  Header,
  Link,
  Page,
  Progress,
  ResponseErrorPanel,
  Table,
  TableColumn,
} from '@backstage/core-components';
import {
  Run,
  SensorLoadError,
  SensorSummary,
  StoredEvent,
} from '@edo/plugin-event-orchestration-common';
import Box from '@material-ui/core/Box';
import Tab from '@material-ui/core/Tab';
import Tabs from '@material-ui/core/Tabs';
import Typography from '@material-ui/core/Typography';
import { useDryRunStates, useOrchestrationOverview } from '../../hooks';
import { EventDetailPanel } from '../shared/EventDetailPanel';
import { RunStepsPanel } from '../shared/RunStepsPanel';
import { SelectedRun } from '../shared/SelectedRun';
import { StatusChip } from '../shared/StatusChip';
import { eventColumn, runColumn } from '../shared/columns';
import { formatTime } from '../shared/format';
import { DeadLetters } from './DeadLetters';
import { LinkConflicts } from './LinkConflicts';
import { SensorDetail, sensorDetailLink } from './SensorDetail';
import { SensorDryRun } from './SensorDryRun';

const runColumns: TableColumn<Run>[] = [
  runColumn.sensor(),
  { title: 'Status', render: r => <StatusChip status={r.status} /> },
  runColumn.entities(),
  runColumn.started(),
  runColumn.duration(),
];

const eventColumns: TableColumn<StoredEvent>[] = [
  { title: 'Time', render: e => formatTime(e.event.time) },
  eventColumn.type(),
  eventColumn.summary(),
  eventColumn.entities(),
  eventColumn.matchedSensors(),
];

const sensorColumns: TableColumn<SensorSummary>[] = [
  {
    title: 'Sensor',
    field: 'name',
    render: s => <Link to={sensorDetailLink(s.name)}>{s.name}</Link>,
  },
  { title: 'Description', render: s => s.description ?? '' },
  { title: 'Owner', render: s => s.owner ?? '—' },
  {
    title: 'Listens to',
    render: s => s.spec.dependencies.map(d => d.eventType).join(', '),
  },
  { title: 'Evaluated', render: s => s.counters.evaluated },
  { title: 'Matched', render: s => s.counters.matched },
  { title: 'Runs', render: s => s.counters.runsStarted },
  { title: 'Last match', render: s => formatTime(s.lastMatchAt) },
  { title: 'Source', field: 'source' },
];

function LoadErrors(props: { errors: SensorLoadError[] }) {
  if (props.errors.length === 0) return null;
  return (
    <div
      role="alert"
      aria-label="Sensors that failed to load"
      style={{ marginBottom: 16 }}
    >
      <Typography variant="h6" color="error">
        {props.errors.length} sensor definition(s) failed to load and are
        skipped
      </Typography>
      <ul>
        {props.errors.map(e => (
          <li key={`${e.source}-${e.sensor}`}>
            <Typography variant="body2">
              <strong>
                {e.sensor ? (
                  <Link to={sensorDetailLink(e.sensor)}>{e.sensor}</Link>
                ) : (
                  '(unnamed)'
                )}
              </strong>{' '}
              from {e.source}:{' '}
              {e.issues.map(i => `${i.path}: ${i.message}`).join('; ')}
            </Typography>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The global Event Orchestration page: every run, event and sensor, and the bus. */
export function EventOrchestrationPage() {
  const [tab, setTab] = useState(0);
  const dryRuns = useDryRunStates();
  const { value, loading, error, refresh } = useOrchestrationOverview();

  return (
    <Page themeId="tool">
      <Header
        title="Event Orchestration"
        subtitle="Events, sensors' verdicts and the runs they started"
      />
      <Content>
        <SelectedRun />
        <SensorDetail
          sensors={value?.sensors}
          dryRuns={dryRuns.states}
          updateDryRun={dryRuns.update}
        />
        <Tabs
          value={tab}
          onChange={(_, v) => setTab(v)}
          aria-label="Event Orchestration views"
        >
          <Tab label="Runs" />
          <Tab label="Events" />
          <Tab label="Sensors" />
          <Tab label="Bus" />
        </Tabs>
        {loading && !value && <Progress />}
        {error && <ResponseErrorPanel error={error} />}
        {value && tab === 0 && (
          <Table<Run>
            title="Runs"
            options={{ paging: true, pageSize: 20, padding: 'dense' }}
            columns={runColumns}
            data={value.runs}
            detailPanel={({ rowData }) => (
              <RunStepsPanel run={rowData} onChanged={refresh} />
            )}
          />
        )}
        {value && tab === 1 && (
          <Table<StoredEvent>
            title="Events"
            options={{ paging: true, pageSize: 20, padding: 'dense' }}
            columns={eventColumns}
            data={value.events}
            detailPanel={({ rowData }) => (
              <EventDetailPanel eventId={rowData.event.id} />
            )}
          />
        )}
        {value && tab === 2 && (
          <>
            <LoadErrors errors={value.sensors.errors} />
            <Table<SensorSummary>
              title="Sensors"
              options={{ paging: false, padding: 'dense' }}
              columns={sensorColumns}
              data={value.sensors.items}
              detailPanel={({ rowData }) => (
                <SensorDryRun
                  sensor={rowData}
                  state={dryRuns.states[rowData.name]}
                  update={dryRuns.update}
                />
              )}
            />
          </>
        )}
        {value && tab === 3 && (
          <>
            <Table
              title={`Bus: ${value.health.bus.type}, ${
                value.health.bus.connected ? 'connected' : 'NOT connected'
              }`}
              options={{ paging: false, search: false, padding: 'dense' }}
              columns={[
                { title: 'Subscriber', field: 'name' },
                { title: 'Pending', field: 'pending' },
                { title: 'Being handled', field: 'ackPending' },
                { title: 'Dead-lettered', field: 'deadLettered' },
              ]}
              data={value.health.bus.consumers}
            />
            {value.health.linking && (
              <Box marginTop={2}>
                <Typography
                  variant="body2"
                  aria-label="Events waiting to be linked"
                  color={
                    value.health.linking.catalogUnreachable > 0
                      ? 'error'
                      : 'textPrimary'
                  }
                >
                  Events waiting to be linked to catalog entities:{' '}
                  {value.health.linking.catalogUnreachable} because the catalog
                  did not answer, {value.health.linking.unknownSubject} whose
                  subject it does not know yet (looked up again for 15 minutes).
                </Typography>
              </Box>
            )}
            <Box marginTop={2}>
              <LinkConflicts />
            </Box>
            <Box marginTop={2}>
              <DeadLetters onChanged={refresh} />
            </Box>
          </>
        )}
      </Content>
    </Page>
  );
}
