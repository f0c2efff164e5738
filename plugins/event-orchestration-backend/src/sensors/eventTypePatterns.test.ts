import { mockServices } from '@backstage/backend-test-utils';
import {
  OrchestrationEvent,
  parseSensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { EventOwnership } from '../sources';
import { LoadedSensor } from './loadSensors';
import { SensorRegistry } from './SensorRegistry';
import { filterEvent } from './evaluateSensor';

const ownership = EventOwnership.builtin();

function sensor(name: string, ...eventTypes: string[]): LoadedSensor {
  const parsed = parseSensorSpec({
    name,
    dependencies: eventTypes.map((eventType, i) => ({
      name: `d${i}`,
      eventType,
    })),
    conditions: eventTypes.map((_, i) => `d${i}`).join(' || '),
    workflow: { steps: [{ id: 's', action: 'log', input: { message: 'x' } }] },
  });
  if (!parsed.success) throw new Error(JSON.stringify(parsed.issues));
  return { spec: parsed.sensor, source: 'test' };
}

function event(
  type: string,
  origin: OrchestrationEvent['origin'] = ownership.ownerOrigin(type),
  data: unknown = {},
): OrchestrationEvent {
  return {
    specversion: '1.0',
    id: `e-${type}`,
    source: '/test',
    type,
    time: '2026-12-02T12:00:00Z',
    data,
    origin,
  };
}

const names = (sensors: LoadedSensor[]) => sensors.map(s => s.spec.name);

describe('wildcard event types of dependencies', () => {
  it('routes an event to the exact sensors and to the prefix.* and * sensors, each once', () => {
    let sensors = [
      sensor('exact', 'alertmanager.alert'),
      sensor('prefix', 'alertmanager.*'),
      sensor('all', '*'),
      sensor('both', 'alertmanager.alert', 'alertmanager.*'),
      sensor('other', 'github.*'),
    ];
    const registry = new SensorRegistry(
      () => ({ sensors, errors: [] }),
      mockServices.logger.mock(),
    );
    expect(names(registry.candidates('alertmanager.alert')).sort()).toEqual([
      'all',
      'both',
      'exact',
      'prefix',
    ]);
    expect(names(registry.candidates('github.push')).sort()).toEqual([
      'all',
      'other',
    ]);
    // `alertmanager.*` is under `alertmanager.`, not any type starting so.
    expect(names(registry.candidates('alertmanagerx.alert'))).toEqual(['all']);
    expect(names(registry.candidates('alertmanager.alert')).sort()).toEqual([
      'all',
      'both',
      'exact',
      'prefix',
    ]);

    // A reload forgets what it merged for the old patterns.
    sensors = [sensor('exact', 'alertmanager.alert')];
    registry.reload();
    expect(names(registry.candidates('alertmanager.alert'))).toEqual(['exact']);
    expect(registry.candidates('github.push')).toEqual([]);
  });

  it('checks provenance for the concrete type: alertmanager.* takes an alert only from Alertmanager', () => {
    const prefix = sensor('prefix', 'alertmanager.*');
    expect(filterEvent(prefix, event('alertmanager.alert'), ownership)).toEqual(
      {
        sensor: 'prefix',
        matchedDependencies: ['d0'],
        reason: "dependency 'd0' matched (0 filters passed)",
      },
    );
    const typed = filterEvent(
      prefix,
      event('alertmanager.alert', {
        kind: 'portal',
        actor: 'user:default/alice',
      }),
      ownership,
    );
    expect(typed.matchedDependencies).toEqual([]);
    expect(typed.reason).toMatch(
      /^dependency 'd0' rejected: came from portal user:default\/alice, accepts alertmanager\.alert only from /,
    );
    expect(filterEvent(prefix, event('github.push'), ownership).reason).toBe(
      'type was `github.push`, expected `alertmanager.*`',
    );
  });

  it('* takes every type from its owner, but never the finish of its own runs', () => {
    const all = sensor('audit', '*');
    for (const type of ['alertmanager.alert', 'github.push', 'portal.x.y']) {
      expect(
        filterEvent(all, event(type), ownership).matchedDependencies,
      ).toEqual(['d0']);
    }
    const github = filterEvent(
      all,
      event('github.push', { kind: 'portal', actor: 'user:default/alice' }),
      ownership,
    );
    expect(github.matchedDependencies).toEqual([]);
    expect(github.reason).toMatch(
      /^dependency 'd0' rejected: came from portal user:default\/alice, accepts github\.push only from /,
    );

    const finished = (sensorName: string) =>
      event(
        'orchestration.run.finished',
        { kind: 'orchestrator', run: 'r1' },
        { runId: 'r1', sensor: sensorName, status: 'succeeded' },
      );
    expect(filterEvent(all, finished('audit'), ownership)).toEqual({
      sensor: 'audit',
      matchedDependencies: [],
      reason:
        "dependency 'd0' rejected: `*` never takes the finish of the sensor's own runs",
    });
    expect(
      filterEvent(all, finished('slo-remediation'), ownership)
        .matchedDependencies,
    ).toEqual(['d0']);
    // An exact dependency on run finishes says what it wants; unchanged.
    expect(
      filterEvent(
        sensor('audit', 'orchestration.run.finished'),
        finished('audit'),
        ownership,
      ).matchedDependencies,
    ).toEqual(['d0']);
  });
});
