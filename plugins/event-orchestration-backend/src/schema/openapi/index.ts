export { createOpenApiRouter, spec } from './generated/router';
export type { EndpointMap } from './endpoints';
