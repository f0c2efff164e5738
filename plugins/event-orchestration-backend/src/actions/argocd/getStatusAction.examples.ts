import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Reads an application's sync status and health, for a later step's condition.",
    example: `
- id: status
  action: argocd:get-status
  input:
    application: my-awesome-app
`,
  },
  {
    description:
      'Reads an application in another namespace on a named instance.',
    example: `
- id: status
  action: argocd:get-status
  input:
    application: my-awesome-app
    instance: prod
    appNamespace: team-a
`,
  },
];
