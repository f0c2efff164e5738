import { TableColumn } from '@backstage/core-components';
import { Run, StoredEvent } from '@edo/plugin-event-orchestration-common';
import Chip from '@material-ui/core/Chip';
import Typography from '@material-ui/core/Typography';
import { formatDuration, formatTime, summarizeEvent } from './format';

// Factories, not shared objects: material-table keeps per-table state on the
// column objects it is given.

/** Run table columns that the entity tab and the global page share. */
export const runColumn = {
  sensor: (): TableColumn<Run> => ({ title: 'Sensor', field: 'sensor' }),
  started: (): TableColumn<Run> => ({
    title: 'Started',
    render: run => formatTime(run.startedAt ?? run.createdAt),
  }),
  duration: (): TableColumn<Run> => ({
    title: 'Duration',
    render: run => formatDuration(run.startedAt, run.finishedAt),
  }),
  entities: (): TableColumn<Run> => ({
    title: 'Entities',
    render: run => run.entityRefs.join(', ') || '—',
  }),
};

/** Event table columns that the entity tab and the global page share. */
export const eventColumn = {
  type: (): TableColumn<StoredEvent> => ({
    title: 'Type',
    field: 'event.type',
  }),
  summary: (): TableColumn<StoredEvent> => ({
    title: 'Summary',
    render: stored => summarizeEvent(stored),
  }),
  entities: (): TableColumn<StoredEvent> => ({
    title: 'Entities',
    render: stored => stored.entityRefs.join(', ') || '—',
  }),
  /** The sensors that matched, as chips; `none` in grey when `showNone`. */
  matchedSensors: (options: { showNone?: boolean } = {}) =>
    ({
      title: 'Matched sensors',
      render: stored =>
        stored.matchedSensors.length || !options.showNone ? (
          stored.matchedSensors.map(s => (
            <Chip key={s} size="small" label={s} />
          ))
        ) : (
          <Typography variant="body2" color="textSecondary">
            none
          </Typography>
        ),
    } as TableColumn<StoredEvent>),
};
