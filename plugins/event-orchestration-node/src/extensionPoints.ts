import { createExtensionPoint } from '@backstage/backend-plugin-api';
import { OrchestrationAction } from './actions';

/** Lets backend modules add actions to the event-orchestration plugin. @public */
export interface EventOrchestrationActionsExtensionPoint {
  addActions(...actions: OrchestrationAction[]): void;
}

/** @public */
export const eventOrchestrationActionsExtensionPoint =
  createExtensionPoint<EventOrchestrationActionsExtensionPoint>({
    id: 'event-orchestration.actions',
  });
