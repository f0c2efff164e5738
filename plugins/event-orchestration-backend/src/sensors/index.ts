export { loadSensors, sensorFilePaths, validateSensor } from './loadSensors';
export { SensorRegistry } from './SensorRegistry';
export type { LoadedSensor, SensorLoadResult } from './loadSensors';
export { SensorEngine } from './SensorEngine';
export { evaluateSensor, filterEvent, groupOf } from './evaluateSensor';
export type { Verdict } from './evaluateSensor';
export { MemoryCorrelationState } from './correlationState';
export { dryRunSensor } from './dryRun';
export type { DryRunResult } from './dryRun';
