import { createRouteRef } from '@backstage/core-plugin-api';

/** The entity Events tab. @public */
export const rootRouteRef = createRouteRef({ id: 'event-orchestration' });

/** The global Event Orchestration page. @public */
export const pageRouteRef = createRouteRef({ id: 'event-orchestration:page' });
