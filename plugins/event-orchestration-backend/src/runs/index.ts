export { RunEngine } from './RunEngine';
export type { RunEngineOptions } from './RunEngine';
export { redactSecrets } from './redactSecrets';
