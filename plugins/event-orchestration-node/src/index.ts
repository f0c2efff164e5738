/**
 * Backend library of Event Orchestration for Backstage: the bus contract and the
 * action extension point.
 *
 * @packageDocumentation
 */
export * from './bus';
export * from './actions';
export * from './extensionPoints';
export * from './client';
