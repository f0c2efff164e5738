import { Config } from '@backstage/config';
import { HostResolver } from '../../shared/http';

/** The default Slack Web API base URL. */
export const SLACK_API_BASE_URL = 'https://slack.com/api';

/** What `chat:reply` may reach, from `eventOrchestration.chat`. */
export interface ChatSettings {
  /** Host names a response URL may point at (`*.domain` allowed); default `hooks.slack.com`. */
  allowedHosts?: string[];
  /** Address ranges reachable although denied by default (an on-premises Mattermost, tests). */
  allowedCidrs?: string[];
  /** Slack's Web API, for `chat.postMessage` to a channel. */
  slack?: { botToken?: string; apiBaseUrl?: string };
  /** How host names resolve (tests map them to a loopback server). */
  resolve?: HostResolver;
}

/** Reads `eventOrchestration.chat`; fails on an entry it cannot parse. */
export function readChatSettings(config: Config): ChatSettings {
  const chat = config.getOptionalConfig('eventOrchestration.chat');
  if (!chat) return {};
  const apiBaseUrl = chat
    .getOptionalString('slack.apiBaseUrl')
    ?.replace(/\/+$/, '');
  if (apiBaseUrl && !/^https?:\/\//.test(apiBaseUrl)) {
    throw new Error(
      'eventOrchestration.chat.slack.apiBaseUrl must be an http(s) URL',
    );
  }
  return {
    allowedHosts: chat.getOptionalStringArray('allowedHosts'),
    allowedCidrs: chat.getOptionalStringArray('allowedCidrs'),
    slack: {
      botToken: chat.getOptionalString('slack.botToken'),
      apiBaseUrl,
    },
  };
}
