/*
 * Hi!
 *
 * Note that this is an EXAMPLE Backstage backend. Please check the README.
 *
 * Happy hacking!
 */

import { createBackend } from '@backstage/backend-defaults';
import { demoArgoCdPlugin } from './demoArgoCd';
import { demoGitHostPlugin } from './demoGitHost';
import { demoKubernetesPlugin } from './demoKubernetes';
import { exampleUserAuthModule } from './exampleUserAuth';
import { examplePermissionPolicyModule } from './permissionPolicy';

const backend = createBackend();

backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-proxy-backend'));

// scaffolder plugin
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-scaffolder-backend-module-github'));
backend.add(
  import('@backstage/plugin-scaffolder-backend-module-notifications'),
);

// techdocs plugin
backend.add(import('@backstage/plugin-techdocs-backend'));

// auth plugin
backend.add(import('@backstage/plugin-auth-backend'));
// See https://backstage.io/docs/backend-system/building-backends/migrating#the-auth-plugin
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// See https://backstage.io/docs/auth/guest/provider
// A second example user who owns nothing (auth.providers.example-user)
backend.add(exampleUserAuthModule);

// catalog plugin
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);

// See https://backstage.io/docs/features/software-catalog/configuration#subscribing-to-catalog-errors
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));

// permission plugin
backend.add(import('@backstage/plugin-permission-backend'));
// The example's policy (src/permissionPolicy.ts): platform-team administers,
// owners act on their entities, everyone signed in reads. See
// https://backstage.io/docs/permissions/writing-a-policy
backend.add(examplePermissionPolicyModule);

// search plugin
backend.add(import('@backstage/plugin-search-backend'));

// search engine
// See https://backstage.io/docs/features/search/search-engines
backend.add(import('@backstage/plugin-search-backend-module-pg'));

// search collators
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
backend.add(import('@backstage/plugin-search-backend-module-techdocs'));

// kubernetes plugin
backend.add(import('@backstage/plugin-kubernetes-backend'));

// user settings plugin
backend.add(import('@backstage/plugin-user-settings-backend'));

// notifications and signals plugins
backend.add(import('@backstage/plugin-notifications-backend'));
backend.add(import('@backstage/plugin-signals-backend'));

// event orchestration: webhook sources, bus, sensors, runs and actions
backend.add(import('@edo/plugin-event-orchestration-backend'));
backend.add(
  import('@edo/plugin-scaffolder-backend-module-event-orchestration'),
);
// a stand-in for Argo CD's sync API, called by sensors/slo-remediation.yaml
backend.add(demoArgoCdPlugin);
// stand-ins for a Kubernetes API server and a Git host (see the README)
backend.add(demoKubernetesPlugin);
backend.add(demoGitHostPlugin);

backend.start();
