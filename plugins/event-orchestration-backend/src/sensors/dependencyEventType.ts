// The matcher lives in -common: the scaffolder's run:wait and the frontend
// need the same answer as the sensor engine.
export {
  dependencyTakesType,
  isEventTypePattern,
} from '@edo/plugin-event-orchestration-common';
