export { RunEngine } from './RunEngine';
export type { RunEngineOptions } from './RunEngine';
export { runFinishedEvent } from './runFinishedEvent';
export { ApprovalDecisionCheck, runActors } from './approvalDecision';
export type { ApprovalSettings } from './approvalDecision';
