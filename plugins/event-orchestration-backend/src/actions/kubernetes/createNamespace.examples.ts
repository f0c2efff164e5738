import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Creates a namespace for a new application, with its owner bound to the admin role and a quota.',
    example: `
- id: namespace
  action: kubernetes:create-namespace
  input:
    name: my-awesome-app-dev
    labels:
      app.kubernetes.io/name: my-awesome-app
      environment: dev
    owner: group:default/team-a
    quota:
      requests.cpu: '4'
      requests.memory: 8Gi
      pods: 20
`,
  },
];
