export { createCatalogRegisterAction } from './catalogRegisterAction';
