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
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { PageBlueprint } from '@backstage/frontend-plugin-api';
import BoltIcon from '@material-ui/icons/OfflineBolt';
import { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
import { EventOrchestrationClient, eventOrchestrationApiRef } from './api';
import { pageRouteRef } from './routes';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';

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
      import('./components/EntityEventsContent').then(m => (
        <m.EntityEventsContent />
      )),
  },
});

/** The overview card: last run, pending approvals, last events. */
const entityEventsCard = EntityCardBlueprint.make({
  name: 'overview',
  params: {
    filter: isEventOrchestrationAvailable,
    loader: () =>
      import('./components/EntityEventOrchestrationCard').then(m => (
        <m.EntityEventOrchestrationCard />
      )),
  },
});

/** The global page, with a sidebar entry: every run, event and sensor, and the bus. */
const eventOrchestrationPage = PageBlueprint.make({
  params: {
    path: '/event-orchestration',
    title: 'Event Orchestration',
    icon: <BoltIcon />,
    routeRef: pageRouteRef,
    loader: () =>
      import('./components/EventOrchestrationPage').then(m => (
        <m.EventOrchestrationPage />
      )),
  },
});

/** `ui:field: EventOrchestrationEventTypePicker` for scaffolder template forms. */
const eventTypePickerFormField = FormFieldBlueprint.make({
  name: 'event-type-picker',
  params: {
    field: () =>
      import('./components/EventTypePicker').then(m => m.eventTypePickerField),
  },
});

/** @public */
export default createFrontendPlugin({
  pluginId: 'event-orchestration',
  title: 'Event Orchestration',
  extensions: [
    eventOrchestrationApi,
    entityEventsContent,
    entityEventsCard,
    eventOrchestrationPage,
    eventTypePickerFormField,
  ],
});

export { isEventOrchestrationAvailable } from '@edo/plugin-event-orchestration-common';
export { eventOrchestrationApiRef, EventOrchestrationClient } from './api';
export type {
  EventOrchestrationApi,
  ListEventsRequest,
  ListRunsRequest,
  PublishEventRequest,
} from './api';
