export { loadSensors } from './loadSensors';
export type { LoadedSensor, SensorLoadResult } from './loadSensors';
export { SensorEngine } from './SensorEngine';
export { evaluateSensor, filterEvent } from './evaluateSensor';
export { judge, groupOf } from './SensorEngine';
export type { SensorVerdict } from './SensorEngine';
export { MemoryCorrelationState } from './correlationState';
export { dryRunSensor } from './dryRun';
export type { DryRunResult } from './dryRun';
