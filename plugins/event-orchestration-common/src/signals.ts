import { RunStatus } from './runs';

/**
 * Backstage signal channel on which the backend announces every run status
 * change; the message is a {@link RunSignal}.
 *
 * @public
 */
export const RUNS_SIGNAL_CHANNEL = 'event-orchestration:runs';

/**
 * Backstage signal channel on which the backend announces events it evaluated
 * or linked to entities; the message is an {@link EventSignal}.
 *
 * @public
 */
export const EVENTS_SIGNAL_CHANNEL = 'event-orchestration:events';

/** A message on {@link RUNS_SIGNAL_CHANNEL}. @public */
export interface RunSignal {
  runId: string;
  /** @deprecated Not sent: signals go to every browser, whatever it may read. */
  sensor?: string;
  status: RunStatus;
  /** Lower-case refs of the entities the run concerns. */
  entityRefs: string[];
}

/** A message on {@link EVENTS_SIGNAL_CHANNEL}. @public */
export interface EventSignal {
  eventId: string;
  /** @deprecated Not sent: signals go to every browser, whatever it may read. */
  type?: string;
  /** Lower-case refs of the entities the event concerns. */
  entityRefs: string[];
}
