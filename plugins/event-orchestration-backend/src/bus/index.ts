export { EmbeddedEventBus } from './EmbeddedEventBus';
export type { EmbeddedEventBusOptions } from './EmbeddedEventBus';
export { NatsEventBus } from './NatsEventBus';
export type { NatsEventBusOptions } from './NatsEventBus';
export { createEventBus } from './createEventBus';
