import { mockServices } from '@backstage/backend-test-utils';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  EVENTS_SIGNAL_CHANNEL,
  RUNS_SIGNAL_CHANNEL,
} from '@edo/plugin-event-orchestration-common';
import { createLiveUpdates } from './liveUpdates';

describe('live updates (issue 18: signals carry no payload)', () => {
  it('broadcasts ids, status and entity refs only, whatever the caller hands in', async () => {
    const sent: Parameters<SignalsService['publish']>[0][] = [];
    const signals: SignalsService = {
      publish: async message => {
        sent.push(message);
      },
    };
    const live = createLiveUpdates(signals, mockServices.logger.mock());
    // Extra fields, as a careless caller might pass a whole run or event.
    live.runChanged({
      runId: 'r1',
      sensor: 'scale-on-high-cpu',
      status: 'running',
      entityRefs: ['component:default/payments'],
      input: { token: 'secret' },
    } as any);
    live.eventChanged({
      eventId: 'e1',
      type: 'alertmanager.alert',
      entityRefs: [],
      data: { password: 'secret' },
    } as any);
    await new Promise(r => setImmediate(r));
    expect(sent).toEqual([
      {
        recipients: { type: 'broadcast' },
        channel: RUNS_SIGNAL_CHANNEL,
        message: {
          runId: 'r1',
          status: 'running',
          entityRefs: ['component:default/payments'],
        },
      },
      {
        recipients: { type: 'broadcast' },
        channel: EVENTS_SIGNAL_CHANNEL,
        message: { eventId: 'e1', entityRefs: [] },
      },
    ]);
  });
});
