import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description: 'Posts a message to a Slack incoming webhook.',
    example: `
- id: slack
  action: http:request
  input:
    url: https://hooks.slack.com/services/T000/B000/XXXX
    body:
      text: my-awesome-app was rolled back to its last known-good commit
`,
  },
  {
    description:
      'Reads a status page with a token, a shorter timeout and no retries.',
    example: `
- id: status
  action: http:request
  input:
    url: https://status.example.com/api/v2/components/my-awesome-app
    method: GET
    headers:
      Authorization: Bearer s3cr3t-t0ken
    timeoutMs: 5000
    retries: 0
`,
  },
];
