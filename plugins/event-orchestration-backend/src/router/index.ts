export { createRouter } from './createRouter';
