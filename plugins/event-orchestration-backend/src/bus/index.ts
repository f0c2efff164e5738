export { EmbeddedEventBus } from './EmbeddedEventBus';
export type { EmbeddedEventBusOptions } from './EmbeddedEventBus';
