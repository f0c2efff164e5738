import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Escalates a failed remediation from an onFailure step, for another sensor to pick up.',
    example: `
- id: escalate
  action: event:publish
  input:
    type: orchestration.remediation.failed
    subject: my-awesome-app
    data:
      sensor: scale-on-high-cpu
      reason: the remediation run failed
`,
  },
  {
    description:
      'Announces a deployment about a given catalog entity (instead of the run’s entities).',
    example: `
- id: announce
  action: event:publish
  input:
    type: orchestration.deployment.finished
    entityRef: component:default/my-awesome-app
    data:
      tag: v1.2.3
`,
  },
];
