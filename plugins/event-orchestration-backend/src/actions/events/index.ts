export { createEventPublishAction } from './eventPublishAction';
