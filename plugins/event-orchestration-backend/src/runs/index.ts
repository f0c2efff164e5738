export { RunEngine } from './RunEngine';
export type { RunEngineOptions } from './RunEngine';
export {
  redactSecrets,
  knownSecretValues,
  scrubKnownSecrets,
} from './redactSecrets';
