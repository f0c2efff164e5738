export { OrchestrationStore, InvalidCursorError } from './OrchestrationStore';
export type { NewRun, RunRecord } from './OrchestrationStore';
export { tuneSqlite } from './sqliteTuning';
