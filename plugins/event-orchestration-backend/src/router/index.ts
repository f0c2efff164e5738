export { createRouter } from './createRouter';
export {
  actionConditions,
  createActionConditionalDecision,
  registerActionResourceType,
} from './actionPermissionRules';
