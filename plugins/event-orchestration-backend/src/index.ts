/**
 * The event-orchestration backend plugin.
 *
 * @packageDocumentation
 */
export { eventOrchestrationPlugin as default } from './plugin';
export { actionConditions, createActionConditionalDecision } from './router';
