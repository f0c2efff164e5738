export { createChatReplyAction } from './chatReplyAction';
export { readChatSettings } from './chatSettings';
export type { ChatSettings } from './chatSettings';
