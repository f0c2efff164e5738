import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { EventOrchestrationClient } from '@edo/plugin-event-orchestration-node';
import { createPublishEventAction } from './actions/publishEvent';
import { createRunActionAction } from './actions/runAction';
import { createWaitForRunsAction } from './actions/waitForRuns';

/**
 * Scaffolder actions of Event Orchestration. They reach the event-orchestration
 * backend over HTTP, on behalf of the user running the template.
 *
 * @public
 */
export const scaffolderModuleEventOrchestration = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'event-orchestration',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        discovery: coreServices.discovery,
        auth: coreServices.auth,
      },
      async init({ scaffolder, discovery, auth }) {
        const client = new EventOrchestrationClient({ discovery, auth });
        scaffolder.addActions(
          createPublishEventAction(client),
          createWaitForRunsAction(client),
          createRunActionAction(client),
        );
      },
    });
  },
});
