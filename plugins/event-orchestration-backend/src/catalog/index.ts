export { EntityResolver } from './EntityResolver';
