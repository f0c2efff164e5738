import { LoggerService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { OrchestrationEvent } from '@edo/plugin-event-orchestration-common';
import { z } from 'zod';

/** What an action's handler receives. @public */
export interface OrchestrationActionContext<TInput> {
  /** The step's input after template rendering, validated by the action's schema. */
  input: TInput;
  /** Lines logged here are stored with the step and shown in the UI. */
  logger: LoggerService;
  /** The event(s) that started the run. */
  events: OrchestrationEvent[];
  /** Catalog refs of the entities the run concerns. */
  entityRefs: string[];
  runId: string;
  stepId: string;
  /**
   * Stable across retries and redeliveries of this step: use it so that an
   * external effect is made at most once.
   */
  idempotencyKey: string;
  /** Fires when the run is cancelled or the step times out. */
  signal: AbortSignal;
  /** Records an output value of the step, available to later steps. */
  output(name: string, value: JsonValue): void;
}

/**
 * A workflow step calling an action, shown in the action's documentation
 * (docs/actions.md); like a scaffolder action's examples. @public
 */
export interface OrchestrationActionExample {
  /** What the step does, one sentence. */
  description: string;
  /** The step as YAML, as written under a sensor's `workflow.steps`: `id`, `action`, `input`. */
  example: string;
}

/** An action that workflow steps can call. @public */
export interface OrchestrationAction<TInput = any> {
  id: string;
  description: string;
  /** Example steps; optional. Their inputs should pass `schema.input`. */
  examples?: OrchestrationActionExample[];
  schema: {
    input: z.ZodType<TInput, z.ZodTypeDef, unknown>;
    output?: z.ZodType<unknown>;
  };
  /**
   * How long a step of this action may take unless the step sets `timeout`
   * (a duration such as `10m`); default the engine's (5 minutes).
   */
  defaultTimeout?: string;
  handler(ctx: OrchestrationActionContext<TInput>): Promise<void>;
}

/**
 * Declares an action with a zod input schema, like scaffolder actions.
 *
 * @public
 */
export function createOrchestrationAction<
  TInputSchema extends z.ZodTypeAny,
>(action: {
  id: string;
  description: string;
  examples?: OrchestrationActionExample[];
  schema: { input: TInputSchema; output?: z.ZodTypeAny };
  defaultTimeout?: string;
  handler(
    ctx: OrchestrationActionContext<z.output<TInputSchema>>,
  ): Promise<void>;
}): OrchestrationAction<z.output<TInputSchema>> {
  return action as OrchestrationAction<z.output<TInputSchema>>;
}
