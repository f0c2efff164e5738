import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Syncs an application on the default instance and waits for the operation; a failed sync fails the step.',
    example: `
- id: sync
  action: argocd:sync
  input:
    application: my-awesome-app
    wait: true
`,
  },
  {
    description:
      'Syncs to the commit an earlier GitOps step made, pruning removed resources, on a named instance.',
    example: `
- id: sync
  action: argocd:sync
  input:
    application: my-awesome-app
    instance: prod
    appNamespace: team-a
    revision: 4f2a9c1e8b7d
    prune: true
`,
  },
];
