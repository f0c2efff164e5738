export { createApprovalAction } from './approvalAction';
