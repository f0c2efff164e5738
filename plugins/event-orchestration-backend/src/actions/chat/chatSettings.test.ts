import { ConfigReader } from '@backstage/config';
import { readChatSettings } from './chatSettings';

describe('readChatSettings', () => {
  it('reads eventOrchestration.chat, without the trailing slash of the API base URL', () => {
    expect(
      readChatSettings(
        new ConfigReader({
          eventOrchestration: {
            chat: {
              allowedHosts: ['hooks.slack.com', 'mattermost.example.com'],
              allowedCidrs: ['10.20.0.0/16'],
              slack: {
                botToken: 'xoxb-1234',
                apiBaseUrl: 'https://slack.example.com/api/',
              },
            },
          },
        }),
      ),
    ).toEqual({
      allowedHosts: ['hooks.slack.com', 'mattermost.example.com'],
      allowedCidrs: ['10.20.0.0/16'],
      slack: {
        botToken: 'xoxb-1234',
        apiBaseUrl: 'https://slack.example.com/api',
      },
    });
    expect(readChatSettings(new ConfigReader({}))).toEqual({});
  });

  it('refuses an API base URL that is not http(s)', () => {
    expect(() =>
      readChatSettings(
        new ConfigReader({
          eventOrchestration: {
            chat: { slack: { apiBaseUrl: 'file:///etc' } },
          },
        }),
      ),
    ).toThrow(
      'eventOrchestration.chat.slack.apiBaseUrl must be an http(s) URL',
    );
  });
});
