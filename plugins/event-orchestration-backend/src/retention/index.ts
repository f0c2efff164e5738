export { RetentionPruner } from './RetentionPruner';
export type { RetentionCounts } from './RetentionPruner';
export { readRetentionSettings } from './retentionSettings';
export type { RetentionSettings } from './retentionSettings';
export { longestCorrelationPeriodMs } from './longestCorrelationPeriod';
