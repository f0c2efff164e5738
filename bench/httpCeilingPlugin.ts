/**
 * Not the product: a Backstage backend plugin whose webhook route reads the
 * body as ours does and answers 202 without any bus work. Mounted next to our
 * plugin in the ingest bench's backend, it measures what Backstage's HTTP stack
 * (Express, the root router's middleware, auth policy, body parsing) allows on
 * the machine: the ceiling for any one-event-per-request route.
 */
import { randomUUID } from 'node:crypto';
import express from 'express';
import Router from 'express-promise-router';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';

export const HTTP_CEILING_PLUGIN_ID = 'bench-http-ceiling';

export const httpCeilingPlugin = createBackendPlugin({
  pluginId: HTTP_CEILING_PLUGIN_ID,
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        const router = Router();
        router.post(
          '/webhooks/:source',
          express.text({ type: () => true, limit: '1mb' }),
          async (req, res) => {
            if (typeof req.body !== 'string' || req.body.length === 0) {
              res.status(400).json({ error: 'empty body' });
              return;
            }
            res.status(202).json({ eventIds: [randomUUID()] });
          },
        );
        httpRouter.use(router);
        httpRouter.addAuthPolicy({
          path: '/webhooks',
          allow: 'unauthenticated',
        });
      },
    });
  },
});
