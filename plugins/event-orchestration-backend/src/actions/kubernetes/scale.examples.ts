import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Scales a deployment out by two replicas, at most ten.',
    example: `
- id: scale
  action: kubernetes:scale
  input:
    namespace: team-a
    name: my-awesome-app
    increment: 2
    max: 10
`,
  },
  {
    description: 'Sets a stateful set on a named cluster to three replicas.',
    example: `
- id: scale
  action: kubernetes:scale
  input:
    cluster: prod
    namespace: team-a
    name: my-awesome-db
    kind: StatefulSet
    replicas: 3
`,
  },
];
