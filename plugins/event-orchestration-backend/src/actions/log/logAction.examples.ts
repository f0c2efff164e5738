import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Writes a line to the step's log, e.g. while trying a sensor out.",
    example: `
- id: record
  action: log
  input:
    message: 'Received \${{ event.type }} from \${{ event.source }}'
`,
  },
  {
    description: 'Logs a warning.',
    example: `
- id: warn
  action: log
  input:
    message: my-awesome-app has been scaled to its maximum
    level: warn
`,
  },
];
