import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';

/**
 * A stand-in for Argo CD's `POST /api/v1/applications/{name}/sync`, so that the
 * example sensor has something real to call on a laptop without a cluster. It
 * answers with the shape of Argo CD's Application resource. Not for production:
 * point sensors at your Argo CD server instead.
 */
export const demoArgoCdPlugin = createBackendPlugin({
  pluginId: 'demo-argocd',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, logger: coreServices.logger },
      async init({ httpRouter, logger }) {
        const router = Router();
        router.use(express.json());
        router.post('/api/v1/applications/:name/sync', async (req, res) => {
          const { name } = req.params;
          logger.info(`Demo Argo CD: sync of application '${name}' requested`);
          res.json({
            metadata: { name, namespace: 'argocd' },
            spec: { project: 'default' },
            status: {
              sync: { status: 'Synced' },
              health: { status: 'Progressing' },
              operationState: {
                phase: 'Running',
                message: 'demo: sync started',
                startedAt: new Date().toISOString(),
                operation: { sync: { prune: Boolean(req.body?.prune) } },
              },
            },
          });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
