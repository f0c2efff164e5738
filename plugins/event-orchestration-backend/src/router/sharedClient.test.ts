import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { ResponseError } from '@backstage/errors';
import { EventOrchestrationApiClient } from '@edo/plugin-event-orchestration-common';
import { eventOrchestrationPlugin } from '../plugin';
import { waitFor } from '../__testUtils__/waitFor';

jest.setTimeout(60_000);

describe('the shared client of -common against a started backend', () => {
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let client: EventOrchestrationApiClient;
  const asUser = { token: mockCredentials.user.token() };

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        eventOrchestrationPlugin,
        catalogServiceMock.factory({ entities: [] }),
        // Callers without a token are nobody, so the client's token counts.
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
      ],
    });
    client = new EventOrchestrationApiClient({
      baseUrl: async () =>
        `http://localhost:${backend.server.port()}/api/event-orchestration`,
    });
  });
  afterAll(() => backend.stop());

  it('publishes an event as the user and reads it back', async () => {
    const { id } = await client.publishEvent(
      {
        type: 'portal.remediation.requested',
        subject: 'my-awesome-app',
        data: { action: 'restart' },
      },
      asUser,
    );
    expect(id).toMatch(/^portal-/);
    const details = await waitFor(
      () => client.getEvent(id, asUser).catch(() => undefined),
      'the published event to be stored',
    );
    expect(details.event).toMatchObject({
      id,
      type: 'portal.remediation.requested',
      actor: 'user:default/mock',
      data: { action: 'restart' },
    });
    const page = await client.listEvents(
      { type: 'portal.remediation.requested', limit: 5 },
      asUser,
    );
    expect(page.items.map(item => item.event.id)).toEqual([id]);
  });

  it('runs an action by hand, lists it, and is told why a cancel is refused', async () => {
    const started = await client.runAction(
      'log',
      { input: { message: 'hello' }, idempotencyKey: 'client-test-1' },
      asUser,
    );
    const finished = await waitFor(async () => {
      const run = await client.getRun(started.id, asUser);
      return run.status === 'succeeded' ? run : undefined;
    }, 'the run to succeed');
    expect(finished.audit).toEqual([
      expect.objectContaining({ action: 'start', actor: 'user:default/mock' }),
    ]);
    expect(
      (await client.listRuns({ limit: 200 }, asUser)).items.map(r => r.id),
    ).toContain(started.id);
    const refusal = await client
      .cancelRun(started.id, 'too late', asUser)
      .catch(error => error);
    expect(refusal).toBeInstanceOf(ResponseError);
    expect(refusal.response.status).toBe(409);
    expect(refusal.body.error.message).toBe(
      `Run ${started.id} is succeeded; only pending or running runs can be cancelled`,
    );
  });

  it('reads sensors, actions, dead letters, re-drives and health', async () => {
    expect(await client.getSensors(asUser)).toEqual({ items: [], errors: [] });
    expect(
      (await client.listActions(asUser)).items.map(action => action.id),
    ).toContain('log');
    expect(await client.listDeadLetters({}, asUser)).toEqual({ items: [] });
    expect(await client.listRedrives({}, asUser)).toEqual({ items: [] });
    const health = await client.getHealth(asUser);
    expect(health.status).toBe('ok');
    expect(health.bus.connected).toBe(true);
    const missing = await client
      .listSensorVerdicts('nope', { limit: 5 }, asUser)
      .catch(error => error);
    expect(missing.response.status).toBe(404);
    expect(missing.body.error.message).toBe("No sensor named 'nope'");
  });

  it('without a token gets liveness only, and 401 elsewhere', async () => {
    expect(await client.getHealth()).toEqual({ status: 'ok' });
    const refusal = await client.listRuns().catch(error => error);
    expect(refusal.response.status).toBe(401);
  });
});
