import {
  OrchestrationEvent,
  SensorSpec,
} from '@edo/plugin-event-orchestration-common';
import { EntityResolver } from '../catalog';
import type { CorrelationStore } from '../store';
import { redactSecrets } from '../shared/redaction/redactSecrets';
import { checkStepEntity } from '../catalog';
import { renderTemplate } from '../shared/templating/renderTemplate';
import { maskedSecretsFor } from '../shared/templating/secrets';
import { MemoryCorrelationState } from './correlationState';
import { EvaluationStatus } from './correlate';
import { filterEvent } from './evaluateSensor';
import { LoadedSensor } from './loadSensors';
import { evaluateSensor } from './evaluateSensor';
import type { EventOwnership } from '../sources';

/** One result of `POST /sensors/test`. */
export interface DryRunResult {
  eventId: string;
  matched: boolean;
  status: EvaluationStatus;
  reason: string;
  /** When matched: the steps as they would run, inputs rendered (secrets redacted). */
  steps?: Array<{
    id: string;
    action: string;
    input?: unknown;
    error?: string;
  }>;
}

/**
 * Evaluates events in order against a sensor on a scratch copy of its stored
 * correlation state: windows, conditions and cooldowns behave as live, but
 * nothing is written, no run starts and no action is called. An event without
 * an origin (pasted, or stored before origins existed) is taken as coming from
 * the owner of its type; a pasted `origin` is used as given.
 */
export async function dryRunSensor(options: {
  sensor: SensorSpec;
  events: OrchestrationEvent[];
  /** Which source owns which event type, as the live engine has it. */
  ownership: EventOwnership;
  /** The stored state to copy; without it the state starts empty. */
  correlation?: CorrelationStore;
  /** Catalog lookups for `entity`; without it templates see `entity: null`. */
  entities?: EntityResolver;
  /**
   * Looks up stored events that earlier dry-run events refer to (a window's
   * earlier alerts): only those the caller may read, the rest count as gone.
   */
  loadEvent?: (id: string) => Promise<OrchestrationEvent | undefined>;
  /** Whether the caller may read an entity: templates see `entity: null` otherwise. */
  mayReadEntity?: (ref: string) => Promise<boolean>;
}): Promise<DryRunResult[]> {
  const { sensor, correlation, entities, ownership } = options;
  const events = options.events.map(e =>
    e.origin ? e : { ...e, origin: ownership.ownerOrigin(e.type) },
  );
  const loaded: LoadedSensor = { spec: sensor, source: 'dry run' };
  const fires = correlation
    ? await correlation.firesOf({ sensor: sensor.name, limit: 10_000 })
    : [];
  const states = new Map<string, MemoryCorrelationState>();
  const seen = new Map(events.map(e => [e.id, e]));

  const results: DryRunResult[] = [];
  for (const event of events) {
    const verdict = await evaluateSensor(
      loaded,
      event,
      async group => {
        if (!states.has(group)) {
          states.set(
            group,
            correlation
              ? await MemoryCorrelationState.snapshot(
                  correlation,
                  sensor.name,
                  group,
                  fires,
                )
              : new MemoryCorrelationState(group, fires),
          );
        }
        return states.get(group)!;
      },
      { ownership },
    );
    const result: DryRunResult = {
      eventId: event.id,
      matched: verdict.status === 'matched',
      status: verdict.status,
      reason: verdict.reason,
    };
    if (verdict.status === 'matched') {
      const triggerEvents: OrchestrationEvent[] = [];
      for (const id of verdict.triggerEventIds ?? [event.id]) {
        const found = seen.get(id) ?? (await options.loadEvent?.(id));
        if (found)
          triggerEvents.push(
            found.origin
              ? found
              : { ...found, origin: ownership.ownerOrigin(found.type) },
          );
      }
      const byDependency: Record<string, OrchestrationEvent> = {};
      for (const trigger of triggerEvents) {
        for (const dep of filterEvent(loaded, trigger, ownership)
          .matchedDependencies) {
          byDependency[dep] = trigger;
        }
      }
      let entity = null;
      let ambiguous: string[] = [];
      if (entities) {
        let entityRefs = await entities.resolveEventEntities(event);
        if (sensor.entity) {
          const value = renderTemplate(sensor.entity, { event });
          if (typeof value === 'string' && value)
            entityRefs = await entities.resolveName(value);
        }
        // Looked up with the plugin's credentials: shown only to a caller
        // who may read it in the catalog.
        entity =
          entityRefs.length === 1 &&
          ((await options.mayReadEntity?.(entityRefs[0])) ?? true)
            ? (await entities.getEntity(entityRefs[0])) ?? null
            : null;
        ambiguous = entityRefs.length > 1 ? entityRefs : [];
      }
      const steps: Record<string, { output: Record<string, unknown> }> = {};
      result.steps = sensor.workflow.steps.map(step => {
        try {
          checkStepEntity(step, ambiguous);
          const input = renderTemplate(step.input, {
            event,
            events: byDependency,
            triggerEvents,
            entity,
            steps,
            run: { id: 'dry-run', sensor: sensor.name },
            secrets: maskedSecretsFor(step.input),
          });
          return {
            id: step.id,
            action: step.action,
            input: redactSecrets(input),
          };
        } catch (error) {
          const message = (error as Error).message;
          return {
            id: step.id,
            action: step.action,
            error: /\bsteps\./.test(message)
              ? `${message} (outputs of earlier steps exist only in a real run)`
              : message,
          };
        }
      });
    }
    results.push(result);
  }
  return results;
}
