import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Scales a deployment out by two replicas, at most five.',
    example: `
- id: scale
  action: gitops:set-replicas
  input:
    repository: https://github.com/acme/gitops
    file: apps/my-awesome-app/deployment.yaml
    increment: 2
    max: 5
`,
  },
  {
    description:
      'Sets one workload of a multi-document manifest to three replicas.',
    example: `
- id: scale
  action: gitops:set-replicas
  input:
    repository: https://github.com/acme/gitops
    file: apps/my-awesome-app/workloads.yaml
    name: my-awesome-app-worker
    replicas: 3
`,
  },
];
