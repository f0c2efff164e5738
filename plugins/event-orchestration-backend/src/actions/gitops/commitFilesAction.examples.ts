import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Adds a CI pipeline and a catalog entry to a new application repository in one commit.',
    example: `
- id: repository
  action: gitops:commit-files
  input:
    repository: https://github.com/acme/my-awesome-app
    message: 'Set up my-awesome-app: CI pipeline and catalog entry'
    files:
      - path: .github/workflows/ci.yaml
        content: |
          name: ci
          on:
            push:
              branches: [main]
          jobs:
            build:
              runs-on: ubuntu-latest
              steps:
                - uses: actions/checkout@v4
      - path: catalog-info.yaml
        content: |
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata:
            name: my-awesome-app
          spec:
            type: service
            lifecycle: experimental
            owner: group:default/platform-team
`,
  },
  {
    description:
      'Writes a manifest from event values as an object (manifest), not text: the YAML document model keeps each templated value one value, so an event cannot add lines or keys.',
    example: `
- id: deployment
  action: gitops:commit-files
  input:
    repository: https://github.com/acme/gitops
    message: 'Add \${{ event.data.app }}'
    files:
      - path: 'apps/\${{ event.data.app }}/deployment.yaml'
        manifest:
          apiVersion: apps/v1
          kind: Deployment
          metadata:
            name: '\${{ event.data.app }}'
          spec:
            replicas: '\${{ event.data.replicas }}'
`,
  },
];
