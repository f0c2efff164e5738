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
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import {
  EventTypePicker,
  validateEventType,
} from './components/EventTypePicker/EventTypePicker';

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
      import('./components/EntityEventsContent').then(
        m => m.EntityEventsContent,
      ),
    mountPoint: rootRouteRef,
  }),
);

/** The global page; route it at `/event-orchestration` in App.tsx. @public */
export const EventOrchestrationPage = eventOrchestrationPlugin.provide(
  createRoutableExtension({
    name: 'EventOrchestrationPage',
    component: () =>
      import('./components/EventOrchestrationPage').then(
        m => m.EventOrchestrationPage,
      ),
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

/**
 * `ui:field: EventOrchestrationEventTypePicker` for template forms; put it inside
 * `<ScaffolderFieldExtensions>` of the scaffolder route in App.tsx. @public
 */
export const EventOrchestrationEventTypePickerFieldExtension =
  eventOrchestrationPlugin.provide(
    createScaffolderFieldExtension({
      name: 'EventOrchestrationEventTypePicker',
      component: EventTypePicker,
      validation: validateEventType,
    }),
  );

export { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
export { eventOrchestrationApiRef, EventOrchestrationClient } from './api';
export type { EventOrchestrationApi } from './api';
