export { createSubmitWorkflowAction } from './submitWorkflow';
