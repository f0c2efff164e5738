import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Registers the catalog entry a previous step committed to a new repository.',
    example: `
- id: register
  action: catalog:register
  input:
    target: https://github.com/acme/my-awesome-app/blob/main/catalog-info.yaml
`,
  },
];
