export { OrchestrationDatabase } from './OrchestrationDatabase';
export type { StoreTransaction } from './database';
export { storeTransactionOf } from './database';
export { dialectOf, isPostgres } from './dialect';
export type { Dialect } from './dialect';
export { InvalidCursorError } from './rows';
export type { NewRun, RunRecord } from './runs/runRecords';
export type {
  ManualActionApproval,
  NewActionRun,
  NewSensorRun,
} from './runs/runCreation';
export type { RunQuery, StepPatch } from './runs/RunStore';
export type { RunStore } from './runs/RunStore';
export type { Approval, ParkOutcome } from './runs/approvals';
export type { EventStore, EventQuery, LinkRetry } from './events/EventStore';
export type {
  EvaluationStore,
  NewVerdict,
} from './evaluations/EvaluationStore';
export type { CorrelationStore } from './correlation/CorrelationStore';
export type { LockedGroup, RememberedEvent } from './correlation/LockedGroup';
export type { DebouncedFire } from './correlation/debounce';
export type { DeadLetterStore } from './deadLetters/DeadLetterStore';
export type { SourceStateStore } from './sourceState/SourceStateStore';
export type { SensorCounters, StoreViews } from './views';
export type { LinkRetryReason } from './tables';
export { tuneSqlite } from './sqliteTuning';
