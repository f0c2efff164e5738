export { logAction } from './logAction';
