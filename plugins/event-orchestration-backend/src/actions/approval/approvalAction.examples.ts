import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Asks for approval before a rollback; the step fails when nobody decides within a day.',
    example: `
- id: approve
  action: approval:wait
  input:
    prompt: Roll my-awesome-app in production back to its last known-good commit?
`,
  },
  {
    description:
      'Waits up to two hours, then lets the run go on without a decision.',
    example: `
- id: approve
  action: approval:wait
  input:
    prompt: Scale my-awesome-app out to 5 replicas?
    timeout: 2h
    onTimeout: continue
`,
  },
];
