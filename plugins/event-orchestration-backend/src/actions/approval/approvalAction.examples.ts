import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Asks the owners of the run's entity before a rollback; the step fails when nobody decides within a day.",
    example: `
- id: approve
  action: approval:wait
  input:
    prompt: Roll my-awesome-app in production back to its last known-good commit?
    approvers:
      entityOwner: true
`,
  },
  {
    description:
      'Only members of the platform team may decide; the run waits (holding no run slot) up to two hours, then goes on without a decision.',
    example: `
- id: approve
  action: approval:wait
  input:
    prompt: Scale my-awesome-app out to 5 replicas?
    approvers:
      groups: [group:default/platform-team]
    timeout: 2h
    onTimeout: continue
`,
  },
  {
    description:
      'Anyone with the approve permission may decide, except the user who started the run.',
    example: `
- id: approve
  action: approval:wait
  input:
    prompt: Restart my-awesome-app?
`,
  },
];
