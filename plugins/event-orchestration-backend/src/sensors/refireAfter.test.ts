import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { EntityResolver } from '../catalog';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EventOwnership } from '../sources';
import { LoadedSensor } from './loadSensors';
import { SensorEngine } from './SensorEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();
const ownership = EventOwnership.builtin();

function sensor(name: string, limits: Record<string, unknown>): LoadedSensor {
  const parsed = parseSensorSpec({
    name,
    dependencies: [
      {
        name: 'cpu',
        eventType: 'alertmanager.alert',
        filters: { data: [{ path: 'status', value: 'firing' }] },
      },
    ],
    aggregate: {
      count: 1,
      within: '1m',
      groupBy: '${{ event.data.labels.app }}',
    },
    ...limits,
    workflow: {
      steps: [{ id: 'say', action: 'log', input: { message: 'scale' } }],
    },
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  return { spec: parsed.sensor, source: 'test' };
}

/** One notification of the still-firing HighCPU alert; a re-send names the first. */
function notification(id: string, resendOf?: string): OrchestrationEvent {
  return {
    specversion: '1.0',
    id,
    source: '/webhooks/alertmanager',
    type: 'alertmanager.alert',
    subject: 'my-awesome-app',
    time: '2026-12-02T12:00:00.000Z',
    data: {
      status: 'firing',
      labels: { alertname: 'HighCPU', app: 'my-awesome-app' },
      fingerprint: 'a1b2c3d4e5f60001',
      startsAt: '2026-12-02T12:00:00.000Z',
    },
    origin: {
      kind: 'webhook',
      source: 'alertmanager',
      sourceType: 'alertmanager',
      ...(resendOf ? { resendOf } : {}),
    } as OrchestrationEvent['origin'],
  };
}

describe.each(databases.eachSupportedId())('refireAfter on %s', databaseId => {
  it('a re-send fires again only after refireAfter since the last fire; redeliveries never', async () => {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const store = OrchestrationDatabase.create({ knex });
    const refire = sensor('refire', { refireAfter: '2s', cooldown: '1s' });
    const plain = sensor('plain', { cooldown: '1s' });
    const engine = new SensorEngine({
      sensors: {
        candidates: () => [refire, plain],
        find: name => [refire, plain].find(s => s.spec.name === name),
      },
      store,
      entities: new EntityResolver(
        catalogServiceMock({ entities: [] }),
        mockServices.auth(),
        logger,
      ),
      ownership,
      onRunsCreated: () => {},
      logger,
    });
    const runsOf = async (name: string) =>
      (await store.runs.listRuns({ limit: 50 })).items
        .filter(r => r.sensor === name)
        .map(r => r.triggerEventIds)
        .sort();
    const verdict = async (eventId: string, name: string) =>
      (await store.evaluations.verdictsOf({ eventId })).find(
        v => v.sensor === name,
      );

    await engine.handle(notification('first'));
    await engine.handle(notification('first')); // the bus redelivers it
    expect(await runsOf('refire')).toEqual([['first']]);
    expect(await runsOf('plain')).toEqual([['first']]);

    // Alertmanager repeats the alert before refireAfter has passed.
    await engine.handle(notification('again-1', 'first'));
    expect(await verdict('again-1', 'refire')).toMatchObject({
      status: 'cooled-down',
      reason: expect.stringMatching(
        /^a re-send of event first \d+s after the last fire for my-awesome-app; refireAfter 2s$/,
      ),
    });
    expect(await verdict('again-1', 'plain')).toMatchObject({
      status: 'not-matched',
      reason:
        'a re-send of event first, which this sensor already evaluated (no refireAfter)',
    });

    await new Promise(r => setTimeout(r, 2100));
    await engine.handle(notification('again-2', 'first'));
    await engine.handle(notification('again-2', 'first')); // redelivered
    expect(await runsOf('refire')).toEqual([['again-2'], ['first']]);
    expect(await runsOf('plain')).toEqual([['first']]);
    expect(await verdict('again-2', 'refire')).toMatchObject({
      status: 'matched',
    });
    expect(await verdict('again-2', 'plain')).toMatchObject({
      status: 'not-matched',
    });
  });
});
