import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { EntityResolver } from '../catalog';
import { RunEngine } from '../runs';
import { OrchestrationStore } from '../store';
import { LoadedSensor } from './loadSensors';
import { evaluateSensor, sensorListensTo } from './evaluateSensor';

/**
 * The bus subscriber that decides: it stores each event with the entities it
 * concerns, evaluates it against every sensor listening for its type, stores
 * each verdict with its reason, and asks the run engine to start a run for each
 * match. Every write is idempotent, so a redelivered event changes nothing.
 */
export class SensorEngine {
  constructor(
    private readonly deps: {
      sensors: LoadedSensor[];
      store: OrchestrationStore;
      entities: EntityResolver;
      runs: RunEngine;
      logger: LoggerService;
    },
  ) {}

  async handle(event: OrchestrationEvent): Promise<void> {
    const { store, entities, runs, logger } = this.deps;
    const entityRefs = await entities.resolveEventEntities(event);
    await store.recordEvent(event, entityRefs);

    const verdicts = this.deps.sensors
      .filter(sensor => sensorListensTo(sensor, event.type))
      .map(sensor => evaluateSensor(sensor, event));
    await store.recordEvaluations(event.id, verdicts);

    for (const verdict of verdicts.filter(v => v.matched)) {
      const sensor = this.deps.sensors.find(s => s.spec.name === verdict.sensor)!;
      const { run, created } = await runs.startRun({
        sensor: sensor.spec,
        events: [event],
        entityRefs,
      });
      if (created) {
        logger.info(
          `Sensor '${sensor.spec.name}' matched event ${event.id}; started run ${run.id}`,
        );
      }
    }
  }
}
