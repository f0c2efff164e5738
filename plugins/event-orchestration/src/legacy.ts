/**
 * Event Orchestration for apps on Backstage's legacy frontend system
 * (`@backstage/core-plugin-api`).
 *
 * @packageDocumentation
 */
import {
  createComponentExtension,
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { EventOrchestrationClient, eventOrchestrationApiRef } from './api';
import { pageRouteRef, rootRouteRef } from './routes';

/** @public */
export const eventOrchestrationPlugin = createPlugin({
  id: 'event-orchestration',
  apis: [
    createApiFactory({
      api: eventOrchestrationApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new EventOrchestrationClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { entityContent: rootRouteRef, page: pageRouteRef },
});

/** The entity Events tab; mount it under an `EntityLayout.Route` path such as `/events`. @public */
export const EntityEventOrchestrationContent = eventOrchestrationPlugin.provide(
  createRoutableExtension({
    name: 'EntityEventOrchestrationContent',
    component: () =>
      import('./components/EntityEventsContent').then(m => m.EntityEventsContent),
    mountPoint: rootRouteRef,
  }),
);

/** The global page; route it at `/event-orchestration` in App.tsx. @public */
export const EventOrchestrationPage = eventOrchestrationPlugin.provide(
  createRoutableExtension({
    name: 'EventOrchestrationPage',
    component: () =>
      import('./components/EventOrchestrationPage').then(m => m.EventOrchestrationPage),
    mountPoint: pageRouteRef,
  }),
);

/** The overview card for entity pages. @public */
export const EntityEventOrchestrationCard = eventOrchestrationPlugin.provide(
  createComponentExtension({
    name: 'EntityEventOrchestrationCard',
    component: {
      lazy: () =>
        import('./components/EntityEventOrchestrationCard').then(
          m => m.EntityEventOrchestrationCard,
        ),
    },
  }),
);

export { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
export { eventOrchestrationApiRef, EventOrchestrationClient } from './api';
export type { EventOrchestrationApi } from './api';
