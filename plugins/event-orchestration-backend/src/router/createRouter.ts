import express from 'express';
import Router from 'express-promise-router';
import { createOpenApiRouter } from '../schema/openapi';
import { PermissionCheck } from './permissions';
import { rewordSpecErrors } from './requestValidation';
import { registerActionRoutes } from './routes/actions';
import { registerDeadLetterRoutes } from './routes/deadLetters';
import { registerEventRoutes } from './routes/events';
import { registerHealthRoutes } from './routes/health';
import { registerLinkConflictRoutes } from './routes/linkConflicts';
import { registerRunRoutes } from './routes/runs';
import { registerSensorRoutes } from './routes/sensors';
import { registerWebhookRoutes } from './routes/webhooks';
import { RouteContext, RouterOptions } from './types';

/**
 * The REST API of the event-orchestration plugin, mounted at
 * `/api/event-orchestration` and described by `src/schema/openapi.yaml`.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const router = Router();
  // Webhook bodies are raw bytes, read by their route before any JSON parsing.
  registerWebhookRoutes(router, options);
  // Parsed out here, so that a body too large or not JSON keeps its own
  // status (413, 400) instead of becoming a validation error.
  router.use(express.json({ limit: '1mb' }));

  const api = await createOpenApiRouter({
    middleware: [(_req, _res, next) => next()],
    // Who may call is httpAuth's and the permission check's to decide.
    validatorOptions: { validateSecurity: false },
  });
  api.use(rewordSpecErrors);
  const ctx: RouteContext = {
    ...options,
    access: new PermissionCheck(options),
  };
  registerEventRoutes(api, ctx);
  registerRunRoutes(api, ctx);
  registerActionRoutes(api, ctx);
  registerSensorRoutes(api, ctx);
  registerDeadLetterRoutes(api, ctx);
  registerHealthRoutes(api, ctx);
  registerLinkConflictRoutes(api, ctx);
  router.use(api);
  return router;
}
