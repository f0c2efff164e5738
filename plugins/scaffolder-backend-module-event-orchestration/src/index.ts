/**
 * Scaffolder actions of Event Orchestration for Backstage. Nothing is exported
 * yet: see the README for what is planned.
 *
 * @packageDocumentation
 */
export {};
