import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      'Rolls one application back to its newest commit marked "Known-Good: true".',
    example: `
- id: rollback
  action: gitops:revert
  input:
    repository: https://github.com/acme/gitops
    path: apps/my-awesome-app
`,
  },
  {
    description: 'Restores the whole repository to a given commit.',
    example: `
- id: rollback
  action: gitops:revert
  input:
    repository: https://github.com/acme/gitops
    branch: main
    toCommit: 4f2a9c1
`,
  },
  {
    description: 'Looks for known-good commits by another marker.',
    example: `
- id: rollback
  action: gitops:revert
  input:
    repository: git@github.com:acme/gitops.git
    path: apps/my-awesome-app
    knownGood: 'Verified-In-Staging: yes'
`,
  },
];
