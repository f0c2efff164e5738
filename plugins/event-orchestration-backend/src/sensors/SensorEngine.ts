import { LoggerService } from '@backstage/backend-plugin-api';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { EntityResolver, FIRST_RELINK_DELAY_MS } from '../catalog';
import { OrchestrationDatabase, StoreTransaction } from '../store';
import { renderTemplate } from '../shared/templating/renderTemplate';
import type { EventOwnership } from '../sources';
import { LoadedSensor } from './loadSensors';
import type { SensorRegistry } from './SensorRegistry';
import { resendOf } from './resends';
import {
  Verdict,
  evaluateSensor,
  filterEvent,
  needsSharedState,
} from './evaluateSensor';
import {
  MemoryCorrelationState,
  lockCorrelationState,
} from './correlationState';

/**
 * The bus subscriber that evaluates: it stores each event with the entities it
 * concerns, evaluates it against every sensor listening for its type, and for
 * each sensor — inside one transaction holding the lock of the sensor's group —
 * correlates it with the shared state, stores the verdict with its reason and
 * creates the run when the sensor fires. A redelivered event finds its verdicts
 * stored and changes nothing.
 */
export class SensorEngine {
  constructor(
    private readonly deps: {
      sensors: Pick<SensorRegistry, 'candidates' | 'find'>;
      store: OrchestrationDatabase;
      entities: EntityResolver;
      /** Which source owns which event type: a dependency accepts a type from its owner unless it names `sources:`. */
      ownership: EventOwnership;
      /** Called once runs created here are committed: the run stage picks them up. */
      onRunsCreated: () => void;
      logger: LoggerService;
    },
  ) {}

  /** Handles one delivered event; returns the entities it concerns. */
  async handle(event: OrchestrationEvent): Promise<{ entityRefs: string[] }> {
    const { store, entities, onRunsCreated, logger } = this.deps;
    // Never held up by the catalog: an event it cannot link now is linked later
    // by its subject (EventRelinker), and its sensors decide now.
    const links = await entities.linkEvent(event);
    const eventEntityRefs = links.entityRefs;
    const { receivedAt } = await store.events.recordEvent({
      event,
      entityRefs: eventEntityRefs,
      linkRetry:
        links.retry && event.subject
          ? {
              subject: event.subject,
              reason: links.retry,
              firstDelayMs: FIRST_RELINK_DELAY_MS,
            }
          : undefined,
    });
    const result = { entityRefs: eventEntityRefs };

    const candidates = this.deps.sensors.candidates(event.type);
    if (candidates.length === 0) return result;
    // a redelivery
    const decided = await store.evaluations.sensorsWithVerdict({
      eventId: event.id,
    });
    const pending = candidates.filter(s => !decided.has(s.spec.name));
    // A re-send is judged by the sensors that decided its original; the
    // others see it as they would have seen the original.
    const original = resendOf(event);
    const decidedOriginal = original
      ? await store.evaluations.sensorsWithVerdict({ eventId: original })
      : new Set<string>();

    // Most candidates reject an event at their filters: those verdicts need no
    // state and no lock, and are written together.
    const rejected: Verdict[] = [];
    const accepted: LoadedSensor[] = [];
    for (const sensor of pending) {
      const outcome = filterEvent(sensor, event, this.deps.ownership);
      if (outcome.matchedDependencies.length === 0) {
        rejected.push({
          sensor: sensor.spec.name,
          status: 'not-matched',
          reason: outcome.reason,
        });
      } else {
        accepted.push(sensor);
      }
    }
    await store.evaluations.recordFilterVerdicts({
      eventId: event.id,
      verdicts: rejected,
    });
    if (accepted.length === 0) return result;

    for (const sensor of accepted) {
      const name = sensor.spec.name;
      const entityRefs = await this.runEntities(sensor, event, eventEntityRefs);
      const unchecked = await this.uncheckedEntities(
        event,
        eventEntityRefs,
        entityRefs,
      );
      if (unchecked) {
        await store.evaluations.recordFilterVerdicts({
          eventId: event.id,
          verdicts: [
            { sensor: name, status: 'not-matched', reason: unchecked },
          ],
        });
        continue;
      }
      let started: string | undefined;
      let toCancel: string[] = [];
      await store.transaction(async tx => {
        const redelivered = await store.evaluations.hasVerdict(tx, {
          eventId: event.id,
          sensor: name,
        });
        if (redelivered) return;
        const verdict = await evaluateSensor(
          sensor,
          event,
          async group =>
            needsSharedState(sensor.spec)
              ? lockCorrelationState(store.correlation, tx, name, group)
              : new MemoryCorrelationState(group, []),
          {
            ownership: this.deps.ownership,
            receivedAt,
            resendOf:
              original && decidedOriginal.has(name) ? original : undefined,
          },
        );
        await store.evaluations.recordVerdicts(tx, {
          eventId: event.id,
          verdicts: [verdict],
        });
        if (verdict.status === 'pending' && verdict.debounceMs !== undefined) {
          await store.correlation.parkDebounced(tx, {
            sensor: name,
            group: verdict.group ?? '',
            dueAt: Date.now() + verdict.debounceMs,
            triggerEventIds: verdict.triggerEventIds ?? [],
            entityRefs,
          });
        }
        if (verdict.status === 'resolved') {
          // A fire parked by debounce is no longer wanted.
          await store.correlation.dropDebounced(tx, {
            sensor: name,
            group: verdict.group ?? '',
          });
          if (sensor.spec.cancelOnResolve) {
            toCancel = await store.runs.unfinishedRunsOfGroup(tx, {
              sensor: name,
              group: verdict.group ?? '',
            });
          }
        }
        if (verdict.status === 'matched') {
          const triggerEventIds = verdict.triggerEventIds ?? [event.id];
          const { run, created } = await this.createRun(tx, sensor, {
            triggerEventIds,
            triggerDependencies: await this.dependenciesOf(
              sensor,
              triggerEventIds,
              event,
              tx,
            ),
            entityRefs,
            group: verdict.group,
          });
          if (created) started = run.id;
          if (created && entityRefs.length === 0 && links.retry) {
            // Gets the event's entities when it is linked later (EventRelinker).
            await store.runs.linkRetries.add(tx, {
              runId: run.id,
              eventId: event.id,
            });
          }
        }
      });
      if (started) {
        onRunsCreated();
        logger.info(
          `Sensor '${name}' fired on event ${event.id}; started run ${started}`,
        );
      }
      for (const runId of toCancel) {
        const cancelled = await store.runs.cancelRun({
          id: runId,
          entry: {
            action: 'cancel',
            actor: `sensor:${name}`,
            at: new Date().toISOString(),
            comment: `resolved by event ${event.id}`,
          },
        });
        if (cancelled)
          logger.info(
            `Sensor '${name}' cancelled run ${runId}: resolved by event ${event.id}`,
          );
      }
    }
    return result;
  }

  /**
   * Fires the debounced groups whose quiet period is over: records the fire,
   * clears the group's state and starts the run, in one transaction per group.
   * Called periodically by one replica at a time (a global scheduler task).
   */
  async fireDueDebounces(now = Date.now()): Promise<string[]> {
    const { store, onRunsCreated, logger } = this.deps;
    const due = await store.correlation.dueDebounces({ now });
    const started: string[] = [];
    for (const fire of due) {
      const sensor = this.deps.sensors.find(fire.sensor);
      const created = await store.transaction(async tx => {
        // Only if nobody pushed it back or fired it meanwhile.
        const taken = await store.correlation.takeDebounced(tx, fire);
        if (!taken || !sensor) return undefined;
        const state = await lockCorrelationState(
          store.correlation,
          tx,
          fire.sensor,
          fire.group,
        );
        await state.recordFire(fire.dueAt);
        await state.clear();
        const triggerEventIds = fire.triggerEventIds;
        const { run } = await this.createRun(tx, sensor, {
          triggerEventIds,
          triggerDependencies: await this.dependenciesOf(
            sensor,
            triggerEventIds,
            undefined,
            tx,
          ),
          entityRefs: fire.entityRefs,
          group: fire.group,
        });
        return run.id;
      });
      if (created) {
        started.push(created);
        logger.info(
          `Sensor '${fire.sensor}' fired after its debounce; started run ${created}`,
        );
      } else if (!sensor) {
        logger.warn(
          `Debounced fire of unknown sensor '${fire.sensor}' dropped (sensor removed?)`,
        );
      }
    }
    if (started.length) onRunsCreated();
    return started;
  }

  /** Creates the sensor's run in the unit of work, once per triggering events. */
  private createRun(
    tx: StoreTransaction,
    sensor: LoadedSensor,
    request: {
      triggerEventIds: string[];
      triggerDependencies: Record<string, string>;
      entityRefs: string[];
      group?: string;
    },
  ) {
    return this.deps.store.runs.createSensorRun(tx, {
      ...request,
      sensor: sensor.spec.name,
      steps: sensor.spec.workflow.steps,
      onFailure: sensor.spec.workflow.onFailure,
    });
  }

  /**
   * A portal user's request may only make runs about entities their
   * permissions were checked on when they published it (POST /events checks
   * the entities the event links to). A sensor whose `entity:` picks another
   * existing entity from the event's data would act on it in their name: the
   * reason such a run is refused, or undefined when it may start. Entities
   * the catalog does not hold yet (a component being provisioned) concern
   * nobody; when the catalog cannot say, the run is refused.
   */
  private async uncheckedEntities(
    event: OrchestrationEvent,
    eventEntityRefs: string[],
    runEntityRefs: string[],
  ): Promise<string | undefined> {
    // A request on behalf of a user: from the portal, or relayed by a run
    // (event:publish, orchestration.run.finished) that served one.
    // A chat command carries its user as origin.actor: a request too, whose
    // permissions on entities nothing has checked, so its scope is empty.
    const requested =
      event.origin?.kind === 'portal' ||
      event.origin?.actor !== undefined ||
      (event.origin?.onBehalfOf?.length ?? 0) > 0;
    if (!requested) return undefined;
    const checked = new Set(event.origin?.entityScope ?? eventEntityRefs);
    for (const ref of runEntityRefs.filter(r => !checked.has(r))) {
      let exists: boolean;
      try {
        exists = (await this.deps.entities.getEntity(ref)) !== undefined;
      } catch {
        exists = true;
      }
      if (exists) {
        const requester =
          event.origin?.actor ??
          event.origin?.onBehalfOf?.join(', ') ??
          'the requester';
        return `rejected: the run would concern ${ref}, but ${requester} published about ${
          checked.size ? [...checked].join(', ') : 'no entity'
        }; a portal request acts only on the entities checked when it was published`;
      }
    }
    return undefined;
  }

  /** The run concerns the sensor's `entity` when it has one, else the event's entities. */
  private async runEntities(
    sensor: LoadedSensor,
    event: OrchestrationEvent,
    eventEntityRefs: string[],
  ): Promise<string[]> {
    if (!sensor.spec.entity) return eventEntityRefs;
    try {
      const value = renderTemplate(sensor.spec.entity, { event });
      if (typeof value !== 'string' || value === '') return eventEntityRefs;
      const refs = await this.deps.entities.resolveName(value);
      // The run concerns them all (each owner sees it); steps that need one
      // entity refuse to pick (singleEntityRef).
      if (refs.length > 1)
        this.deps.logger.warn(
          `Sensor '${sensor.spec.name}': entity '${value}' of event ${
            event.id
          } is claimed by ${refs.length} entities (${refs.join(
            ', ',
          )}); steps that need one entity will refuse to guess`,
        );
      return refs;
    } catch (error) {
      this.deps.logger.warn(
        `Sensor '${sensor.spec.name}': entity template failed for event ${event.id}: ${error}`,
      );
      return eventEntityRefs;
    }
  }

  /** Maps each dependency of the sensor to the trigger event that satisfied it. */
  private async dependenciesOf(
    sensor: LoadedSensor,
    triggerEventIds: string[],
    current: OrchestrationEvent | undefined,
    tx: StoreTransaction,
  ): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    const stored = await this.deps.store.events.eventsById(tx, {
      ids: triggerEventIds,
    });
    const events = triggerEventIds.flatMap(id => {
      if (current && id === current.id) return [current];
      const found = stored.get(id);
      return found ? [found] : [];
    });
    for (const event of events) {
      for (const dependency of filterEvent(sensor, event, this.deps.ownership)
        .matchedDependencies) {
        result[dependency] = event.id;
      }
    }
    return result;
  }
}
