import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { standInsEnabled } from './standIns';

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
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({ httpRouter, logger, config }) {
        if (!standInsEnabled(config, logger, '/api/demo-argocd')) return;
        // The applications this "Argo CD" manages; others get Argo CD's 404.
        const known = config.getOptionalStringArray('demoArgoCd.applications');
        const router = Router();
        router.use(express.json());
        router.post('/api/v1/applications/:name/sync', async (req, res) => {
          const { name } = req.params;
          if (known && !known.includes(name)) {
            logger.info(
              `Demo Argo CD: sync of unknown application '${name}' refused`,
            );
            res.status(404).json({
              error: `applications.argoproj.io "${name}" not found`,
              code: 5,
              message: `applications.argoproj.io "${name}" not found`,
            });
            return;
          }
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
