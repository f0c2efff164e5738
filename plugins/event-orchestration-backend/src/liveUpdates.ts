import { LoggerService } from '@backstage/backend-plugin-api';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  EVENTS_SIGNAL_CHANNEL,
  EventSignal,
  RUNS_SIGNAL_CHANNEL,
  RunSignal,
} from '@edo/plugin-event-orchestration-common';
import { JsonObject } from '@backstage/types';

/**
 * Live updates for open browsers (Backstage signals) on the channels the
 * frontend listens to. A signal that cannot be sent is logged, never thrown:
 * the browser polls as a fallback.
 */
export function createLiveUpdates(
  signals: SignalsService,
  logger: LoggerService,
) {
  const publish = (channel: string, message: JsonObject) =>
    void signals
      .publish({ recipients: { type: 'broadcast' }, channel, message })
      .catch(error =>
        logger.warn(`Could not send signal on ${channel}: ${error}`),
      );
  // Signals are broadcast to every signed-in browser, whatever it may read:
  // they carry ids, a status and the entity refs a tab needs to decide whether
  // to refetch — never event data, a sensor, run input, output or logs. The
  // refetch goes through the API, which filters by permission.
  return {
    runChanged: ({ runId, status, entityRefs }: RunSignal) =>
      publish(RUNS_SIGNAL_CHANNEL, { runId, status, entityRefs }),
    eventChanged: ({ eventId, entityRefs }: EventSignal) =>
      publish(EVENTS_SIGNAL_CHANNEL, { eventId, entityRefs }),
  };
}
