import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Tells the owners of the run's entity that a remediation failed.",
    example: `
- id: tell-owners
  action: notification:send
  input:
    recipients: entity-owner
    title: Scaling my-awesome-app out failed
    description: Three HighCPU alerts within 5 minutes; the remediation run failed.
    severity: high
`,
  },
  {
    description: 'Notifies named users and groups, with a link.',
    example: `
- id: tell-sre
  action: notification:send
  input:
    recipients:
      entityRefs: [group:default/sre, user:default/jane.doe]
    title: my-awesome-app was rolled back
    link: https://backstage.example.com/catalog/default/component/my-awesome-app
    topic: deployments
`,
  },
];
