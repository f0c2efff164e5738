/**
 * Event Orchestration for Backstage, frontend: the entity Events tab.
 * The default export is the plugin for the new frontend system; apps on the
 * legacy system import from `@edo/plugin-event-orchestration/legacy`.
 *
 * @packageDocumentation
 */
import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
import { EventOrchestrationClient, eventOrchestrationApiRef } from './api';

const eventOrchestrationApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: eventOrchestrationApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new EventOrchestrationClient({ discoveryApi, fetchApi }),
    }),
});

/** The Events tab, on entities with an annotation that links events to them. */
const entityEventsContent = EntityContentBlueprint.make({
  name: 'events',
  params: {
    path: '/events',
    title: 'Events',
    filter: isEventOrchestrationAvailable,
    loader: () =>
      import('./components/EntityEventsContent').then(m => <m.EntityEventsContent />),
  },
});

/** @public */
export default createFrontendPlugin({
  pluginId: 'event-orchestration',
  extensions: [eventOrchestrationApi, entityEventsContent],
});

export { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
export { eventOrchestrationApiRef, EventOrchestrationClient } from './api';
export type { EventOrchestrationApi, ListEventsRequest, ListRunsRequest } from './api';
