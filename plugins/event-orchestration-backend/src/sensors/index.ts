export { loadSensors } from './loadSensors';
export type { LoadedSensor, SensorLoadResult } from './loadSensors';
export { SensorEngine } from './SensorEngine';
export { evaluateSensor } from './evaluateSensor';
