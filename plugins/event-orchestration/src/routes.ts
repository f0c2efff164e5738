import { createRouteRef } from '@backstage/core-plugin-api';

/** The entity Events tab. @public */
export const rootRouteRef = createRouteRef({ id: 'event-orchestration' });
