/**
 * Scaffolder actions of Event Orchestration for Backstage:
 * `event-orchestration:event:publish`, `event-orchestration:run:wait`,
 * `event-orchestration:action:run`.
 *
 * @packageDocumentation
 */
export { scaffolderModuleEventOrchestration as default } from './module';
export { createPublishEventAction } from './actions/publishEvent';
export { createWaitForRunsAction } from './actions/waitForRuns';
export { createRunActionAction } from './actions/runAction';
