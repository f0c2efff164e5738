import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Deploys a new tag of a container image.',
    example: `
- id: deploy
  action: gitops:set-image
  input:
    repository: https://github.com/acme/gitops
    file: apps/my-awesome-app/deployment.yaml
    image: ghcr.io/acme/my-awesome-app
    tag: v1.2.3
`,
  },
  {
    description:
      'Sets the tag in Helm values on a release branch (the image is matched by name, the tag written at valuesPath).',
    example: `
- id: deploy
  action: gitops:set-image
  input:
    repository: https://github.com/acme/gitops
    branch: release/prod
    file: charts/my-awesome-app/values-prod.yaml
    image: ghcr.io/acme/my-awesome-app
    tag: 2024.06.1
    valuesPath: image.tag
`,
  },
];
