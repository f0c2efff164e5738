export { RunEngine } from './RunEngine';
export type { RunEngineOptions } from './RunEngine';
export { runFinishedEvent } from './runFinishedEvent';
export { ApprovalDecisionCheck } from './approvalDecision';
export type { ApprovalSettings } from './approvalDecision';
