import { OrchestrationActionExample } from '@edo/plugin-event-orchestration-node';

export const examples: OrchestrationActionExample[] = [
  {
    description:
      "Answers a slash command in its channel, through the command's response_url.",
    example: `
- id: reply
  action: chat:reply
  input:
    text: 'Rolling back my-awesome-app, as asked by \${{ event.data.user.name }}'
`,
  },
  {
    description:
      'Posts to a channel with the bot token (chat.postMessage), with Block Kit blocks.',
    example: `
- id: tell-channel
  action: chat:reply
  input:
    channel: C0123456789
    text: my-awesome-app was rolled back
    blocks:
      - type: section
        text:
          type: mrkdwn
          text: '*my-awesome-app* was rolled back to its last known-good commit'
`,
  },
];
