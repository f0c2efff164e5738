import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Sets a deployment label with a strategic merge patch.',
    example: `
- id: annotate
  action: kubernetes:patch
  input:
    apiVersion: apps/v1
    kind: Deployment
    namespace: team-a
    name: my-awesome-app
    patch:
      metadata:
        labels:
          remediated: 'true'
`,
  },
  {
    description: 'Changes a ConfigMap value with a JSON patch.',
    example: `
- id: feature-off
  action: kubernetes:patch
  input:
    apiVersion: v1
    kind: ConfigMap
    namespace: team-a
    name: my-awesome-app-flags
    type: json
    patch:
      - op: replace
        path: /data/new-checkout
        value: 'false'
`,
  },
];
