export { EntityEventsContent } from './EntityEventsContent';
