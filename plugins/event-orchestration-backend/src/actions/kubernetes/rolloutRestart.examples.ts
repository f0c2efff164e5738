import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Restarts the pods of a deployment, as kubectl rollout restart does.',
    example: `
- id: restart
  action: kubernetes:rollout-restart
  input:
    namespace: team-a
    name: my-awesome-app
`,
  },
  {
    description: 'Restarts a stateful set on a named cluster.',
    example: `
- id: restart
  action: kubernetes:rollout-restart
  input:
    cluster: prod
    namespace: team-a
    name: my-awesome-db
    kind: StatefulSet
`,
  },
];
