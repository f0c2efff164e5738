export { RunEngine } from './RunEngine';
export type { RunEngineOptions } from './RunEngine';
export { runFinishedEvent } from './runFinishedEvent';
