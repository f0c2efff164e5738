import { mockServices } from '@backstage/backend-test-utils';
import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { ActionRegistry } from '../actions';
import { EntityResolver } from '../catalog';
import { RunEngine } from '../runs';
import { OrchestrationDatabase } from '../store';
import { createTestDatabases } from '../__testUtils__/testDatabases';
import { EventOwnership } from '../sources';
import { SensorEngine } from './SensorEngine';

jest.setTimeout(60_000);

const databases = createTestDatabases();
const logger = mockServices.logger.mock();

const parsed = parseSensorSpec({
  name: 'high-cpu',
  dependencies: [
    {
      name: 'cpu',
      eventType: 'alertmanager.alert',
      filters: { data: [{ path: 'labels.alertname', value: 'HighCPU' }] },
    },
  ],
  aggregate: {
    count: 3,
    within: '5m',
    groupBy: '${{ event.data.labels.app }}',
  },
  cooldown: '10m',
  workflow: {
    steps: [{ id: 'say', action: 'log', input: { message: 'scale' } }],
  },
});
if (!parsed.success) throw new Error('fixture sensor is invalid');
// The webhook sources these events come through, as app-config would have them.
const ownership = EventOwnership.fromSources({
  webhooks: [
    { name: 'alertmanager', type: 'alertmanager' },
    { name: 'ci', type: 'generic', eventType: 'ci.image.pushed' },
  ],
  natsSubjects: [],
  schedules: [],
  backstageEvents: [],
  portalPublishableTypes: [],
});
const sensors = {
  candidates: () => [{ spec: parsed.sensor, source: 'test' }],
  find: () => ({ spec: parsed.sensor, source: 'test' }),
};

function cpuAlert(app: string, n: number): OrchestrationEvent {
  return {
    specversion: '1.0',
    id: `${app}-${n}`,
    source: '/test',
    type: 'alertmanager.alert',
    subject: app,
    time: new Date(Date.UTC(2026, 10, 23, 8, n)).toISOString(),
    data: { status: 'firing', labels: { alertname: 'HighCPU', app } },
    origin: {
      kind: 'webhook',
      source: 'alertmanager',
      sourceType: 'alertmanager',
    },
  };
}

describe.each(databases.eachSupportedId())('SensorEngine on %s', databaseId => {
  /**
   * A migrated database and what a SensorEngine needs besides its sensors. Runs
   * are created but not executed: the run engine loop is not started.
   */
  async function engineParts() {
    const knex = await databases.init(databaseId);
    await knex.migrate.latest({
      directory: resolvePackagePath(
        '@edo/plugin-event-orchestration-backend',
        'migrations',
      ),
    });
    const store = OrchestrationDatabase.create({ knex });
    const entities = new EntityResolver(
      catalogServiceMock({ entities: [] }),
      mockServices.auth(),
      logger,
    );
    const runs = new RunEngine({
      store,
      actions: new ActionRegistry(),
      entities,
      logger,
    });
    return { knex, store, entities, runs };
  }

  it('fires exactly one run per group when two replicas share the events, also on redelivery', async () => {
    const { knex, store, entities, runs } = await engineParts();
    const replicaA = new SensorEngine({
      sensors,
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });
    const replicaB = new SensorEngine({
      sensors,
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });

    const apps = Array.from({ length: 8 }, (_, i) => `app-${i}`);
    const events = apps.flatMap(app => [0, 1, 2].map(n => cpuAlert(app, n)));
    // Interleave: the three alerts of one app land on different replicas at once.
    await Promise.all(
      events.map((e, i) => (i % 2 ? replicaA : replicaB).handle(e)),
    );

    const page = await store.runs.listRuns({ limit: 200 });
    expect(page.items).toHaveLength(apps.length);
    expect(page.items.map(r => r.triggerEventIds.length)).toEqual(
      apps.map(() => 3),
    );
    expect(
      new Set(page.items.map(r => r.triggerEventIds.slice().sort().join())),
    ).toEqual(
      new Set(apps.map(app => [0, 1, 2].map(n => `${app}-${n}`).join())),
    );

    // Redelivery of everything, again split over both replicas: nothing changes.
    await Promise.all(
      events.map((e, i) => (i % 2 ? replicaB : replicaA).handle(e)),
    );
    expect((await store.runs.listRuns({ limit: 200 })).items).toHaveLength(
      apps.length,
    );

    const statuses = await knex('edo_evaluations')
      .select('status')
      .count({ n: '*' })
      .groupBy('status');
    expect(
      Object.fromEntries(statuses.map((s: any) => [s.status, Number(s.n)])),
    ).toEqual({
      matched: apps.length,
      pending: apps.length * 2,
    });

    // A fourth alert within the cooldown is held back, with the reason stored;
    // the cooldown counts from when the backend received the events (moments
    // ago), not from their `time` (minutes apart).
    await replicaA.handle(cpuAlert('app-0', 3));
    await replicaA.handle(cpuAlert('app-0', 4));
    await replicaB.handle(cpuAlert('app-0', 5));
    const last = await store.views.getEvent('app-0-5');
    expect(last?.evaluations).toEqual([
      expect.objectContaining({
        status: 'cooled-down',
        reason: expect.stringMatching(
          /^a run started \d+(ms|s) earlier for app-0; cooldown 10m$/,
        ),
      }),
    ]);
  });

  it('evaluates a sensor without shared state in parallel, with no group lock, one run per event also on redelivery', async () => {
    const { knex, store, entities, runs } = await engineParts();
    const plain = parseSensorSpec({
      name: 'every-image',
      dependencies: [{ name: 'image', eventType: 'ci.image.pushed' }],
      workflow: {
        steps: [{ id: 'say', action: 'log', input: { message: 'deploy' } }],
      },
    });
    if (!plain.success) throw new Error('fixture sensor is invalid');
    const one = { spec: plain.sensor, source: 'test' };
    const plainSensors = { candidates: () => [one], find: () => one };
    const replicaA = new SensorEngine({
      sensors: plainSensors,
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });
    const replicaB = new SensorEngine({
      sensors: plainSensors,
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });
    const events: OrchestrationEvent[] = Array.from({ length: 30 }, (_, i) => ({
      specversion: '1.0',
      id: `image-${i}`,
      source: '/test',
      type: 'ci.image.pushed',
      subject: `app-${i % 5}`,
      time: new Date(Date.UTC(2026, 10, 23, 8, 0, i)).toISOString(),
      data: { image: `app-${i % 5}`, tag: `v1.0.${i}` },
      origin: { kind: 'webhook', source: 'ci', sourceType: 'generic' },
    }));
    // Every event twice at once, on both replicas.
    await Promise.all(
      events.flatMap(e => [replicaA.handle(e), replicaB.handle(e)]),
    );

    const page = await store.runs.listRuns({ limit: 100 });
    expect(page.items).toHaveLength(30);
    expect(page.items.map(r => r.triggerEventIds[0]).sort()).toEqual(
      events.map(e => e.id).sort(),
    );
    const matched = await knex('edo_evaluations')
      .where({ status: 'matched' })
      .count({ n: '*' });
    expect(Number(matched[0].n)).toBe(30);
    // No lock row, no remembered event, no fire record: nothing shared was written.
    for (const table of [
      'edo_sensor_groups',
      'edo_sensor_dependency_events',
      'edo_sensor_fires',
    ]) {
      expect(Number((await knex(table).count({ n: '*' }))[0].n)).toBe(0);
    }
  });

  it('debounces: fires once after matching events stop, with all of them', async () => {
    const { store, entities, runs } = await engineParts();
    const spec = parseSensorSpec({
      name: 'flapping',
      dependencies: [{ name: 'alert', eventType: 'alertmanager.alert' }],
      debounce: '30s',
      workflow: {
        steps: [{ id: 'say', action: 'log', input: { message: 'settled' } }],
      },
    });
    if (!spec.success) throw new Error('fixture sensor is invalid');
    const loaded = { spec: spec.sensor, source: 'test' };
    const engine = new SensorEngine({
      sensors: { candidates: () => [loaded], find: () => loaded },
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });

    await engine.handle(cpuAlert('shop', 0));
    expect(
      (await store.views.getEvent('shop-0'))?.evaluations[0],
    ).toMatchObject({
      status: 'pending',
      reason: 'debounced: fires 30s after the last match unless more arrive',
    });
    expect(await engine.fireDueDebounces(Date.now())).toEqual([]);
    await engine.handle(cpuAlert('shop', 1));
    expect(await engine.fireDueDebounces(Date.now() + 10_000)).toEqual([]);

    const started = await engine.fireDueDebounces(Date.now() + 31_000);
    expect(started).toHaveLength(1);
    const run = await store.runs.getRun({ id: started[0] });
    expect(run?.triggerEventIds).toEqual(['shop-0', 'shop-1']);
    expect(await engine.fireDueDebounces(Date.now() + 60_000)).toEqual([]);

    // After the fire the group starts afresh.
    await engine.handle(cpuAlert('shop', 2));
    expect((await store.runs.listRuns({})).items).toHaveLength(1);
  });

  it("a resolving event drops a debounced fire and cancels the group's unfinished runs", async () => {
    const { store, entities, runs } = await engineParts();
    const spec = parseSensorSpec({
      name: 'settle',
      dependencies: [
        {
          name: 'firing',
          eventType: 'alertmanager.alert',
          filters: { data: [{ path: 'status', value: 'firing' }] },
        },
        {
          name: 'resolved',
          eventType: 'alertmanager.alert',
          filters: { data: [{ path: 'status', value: 'resolved' }] },
        },
      ],
      resolvedBy: 'resolved',
      cancelOnResolve: true,
      aggregate: { count: 1, within: '10m', groupBy: '${{ event.subject }}' },
      workflow: {
        steps: [{ id: 'say', action: 'log', input: { message: 'x' } }],
      },
    });
    if (!spec.success) throw new Error(JSON.stringify(spec.issues));
    const loaded = { spec: spec.sensor, source: 'test' };
    const engine = new SensorEngine({
      sensors: { candidates: () => [loaded], find: () => loaded },
      store,
      entities,
      ownership,
      onRunsCreated: () => runs.notify(),
      logger,
    });

    await engine.handle(cpuAlert('shop', 0)); // fires: a run for group shop, never executed here
    const [run] = (await store.runs.listRuns({})).items;
    expect(run.status).toBe('pending');
    await engine.handle({
      ...cpuAlert('shop', 1),
      data: { status: 'resolved', labels: {} },
    });
    expect(
      (await store.views.getEvent('shop-1'))?.evaluations[0],
    ).toMatchObject({
      status: 'resolved',
    });
    const cancelled = await store.runs.getRun({ id: run.id });
    expect(cancelled?.status).toBe('cancelled');
    expect(cancelled?.audit).toEqual([
      expect.objectContaining({
        action: 'cancel',
        actor: 'sensor:settle',
        comment: 'resolved by event shop-1',
      }),
    ]);
  });
});
