/**
 * Isomorphic types and validation shared by the Event Orchestration packages.
 *
 * @packageDocumentation
 */
export * from './events';
export * from './runs';
export * from './annotations';
export * from './permissions';
export * from './signals';
export * from './api';
export * from './client';
export * from './sensors/conditions';
export * from './sensors/durations';
export {
  parseSensorSpec,
  sensorSpecSchema,
  formatIssuePath,
  DATA_FILTER_OPERATORS,
} from './sensors/sensorSpec';
export type {
  SensorSpec,
  SensorDependency,
  DataFilter,
  DependencyFilters,
  TimeFilter,
  ContextFilter,
  WorkflowStep,
  SensorSpecIssue,
} from './sensors/sensorSpec';
export { sensorJsonSchema } from './sensors/sensorJsonSchema';
export { compileLinearRegex } from './sensors/linearRegex';
export {
  dependencyTakesType,
  isEventTypePattern,
} from './sensors/dependencyEventType';
export {
  MAX_DATA_SCHEMA_DEPTH,
  MAX_DATA_SCHEMA_NODES,
  sensorDataSchemaSchema,
} from './sensors/dataSchema';
export type { SensorDataSchema } from './sensors/dataSchema';
export type { LinearRegex } from './sensors/linearRegex';
