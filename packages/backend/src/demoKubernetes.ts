import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createKubernetesApiStandIn } from '@edo/plugin-event-orchestration-backend/standins';
import Router from 'express-promise-router';
import { standInsEnabled } from './standIns';

/**
 * A stand-in for a Kubernetes API server at /api/demo-kubernetes, so that the
 * Kubernetes actions (create-namespace, apply, scale, rollout-restart, patch)
 * and argo-workflows:submit have a cluster to talk to on a laptop. It keeps
 * objects in memory (gone on restart) and runs nothing. Seeded with the
 * Deployments listed in `demoKubernetes.deployments`. Swap it for a real cluster
 * in `eventOrchestration.kubernetes.clusters` (see the README).
 */
export const demoKubernetesPlugin = createBackendPlugin({
  pluginId: 'demo-kubernetes',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({ httpRouter, logger, config }) {
        if (!standInsEnabled(config, logger, '/api/demo-kubernetes')) return;
        const cluster = createKubernetesApiStandIn({ keepRequests: 200 });
        for (const d of config.getOptionalConfigArray(
          'demoKubernetes.deployments',
        ) ?? []) {
          const name = d.getString('name');
          const namespace = d.getString('namespace');
          cluster.apply('namespaces', { metadata: { name: namespace } });
          cluster.apply('deployments', {
            metadata: {
              name,
              namespace,
              labels: { 'app.kubernetes.io/name': name },
            },
            spec: {
              replicas: d.getOptionalNumber('replicas') ?? 3,
              selector: { matchLabels: { 'app.kubernetes.io/name': name } },
              template: {
                metadata: { labels: { 'app.kubernetes.io/name': name } },
                spec: {
                  containers: [
                    { name: 'app', image: `ghcr.io/acme/${name}:v1.2.2` },
                  ],
                },
              },
            },
          });
        }
        const router = Router();
        router.use((req, res) => {
          if (req.method !== 'GET') {
            logger.info(`Demo Kubernetes: ${req.method} ${req.path}`);
          }
          cluster.handle(req, res);
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});
