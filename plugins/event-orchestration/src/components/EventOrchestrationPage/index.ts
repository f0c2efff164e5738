export { EventOrchestrationPage } from './EventOrchestrationPage';
