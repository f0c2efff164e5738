import { OrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { zodToJsonSchema } from 'zod-to-json-schema';

/** Every action steps can call: the built-ins plus those added by modules. */
export class ActionRegistry {
  private readonly actions = new Map<string, OrchestrationAction>();

  register(...actions: OrchestrationAction[]) {
    for (const action of actions) {
      if (this.actions.has(action.id)) {
        throw new Error(`Action '${action.id}' is registered twice`);
      }
      this.actions.set(action.id, action);
    }
  }

  get(id: string): OrchestrationAction | undefined {
    return this.actions.get(id);
  }

  has(id: string) {
    return this.actions.has(id);
  }

  /** The catalogue served by `GET /actions`, with JSON schemas for the UI and docs. */
  list() {
    return [...this.actions.values()]
      .sort((a, b) => a.id.localeCompare(b.id))
      .map(action => ({
        id: action.id,
        description: action.description,
        schema: {
          input: zodToJsonSchema(action.schema.input),
          ...(action.schema.output
            ? { output: zodToJsonSchema(action.schema.output) }
            : {}),
        },
      }));
  }
}
