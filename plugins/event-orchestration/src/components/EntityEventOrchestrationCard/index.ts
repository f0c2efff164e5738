export { EntityEventOrchestrationCard } from './EntityEventOrchestrationCard';
