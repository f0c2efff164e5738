import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Verifies that a restart or a new image rolled out within five minutes.',
    example: `
- id: verify-rollout
  action: kubernetes:rollout-status
  input:
    namespace: team-a
    name: my-awesome-app
    timeoutSeconds: 300
`,
  },
  {
    description: 'Waits for a stateful set on a named cluster.',
    example: `
- id: verify-db
  action: kubernetes:rollout-status
  input:
    cluster: prod
    namespace: team-a
    name: my-awesome-db
    kind: StatefulSet
    timeoutSeconds: 600
`,
  },
];
