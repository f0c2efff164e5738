export { EntityResolver } from './EntityResolver';
export type { EventLinks } from './EntityResolver';
export { EventRelinker, FIRST_RELINK_DELAY_MS } from './EventRelinker';
export type { RelinkPass } from './EventRelinker';
export {
  AmbiguousEntityError,
  checkStepEntity,
  singleEntityRef,
} from './singleEntity';
