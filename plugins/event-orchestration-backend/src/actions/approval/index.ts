export { createApprovalAction } from './approvalAction';
export { approversSchema, resolveApprovers } from './approvers';
export type { ApproversInput } from './approvers';
