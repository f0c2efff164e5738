import { parse } from 'yaml';
import { createBuiltinActions } from './builtinActions';

// Every built-in action, configured with stand-ins: only the schemas and
// examples are read here.
const actions = createBuiltinActions({
  settings: {
    http: {},
    gitops: { author: { name: 'n', email: 'e' } },
    argocd: [],
    kubernetesClusters: [],
  },
  bus: {} as any,
  entities: {} as any,
  approvals: {} as any,
  discovery: {} as any,
  auth: {} as any,
});

describe('examples of the built-in actions', () => {
  it.each(actions.map(action => [action.id, action]))(
    '%s has examples whose steps call it with inputs its schema accepts',
    (_id, action) => {
      expect(action.examples?.length).toBeGreaterThan(0);
      for (const { description, example } of action.examples ?? []) {
        expect(description).toBeTruthy();
        const steps = parse(example);
        expect(steps).toHaveLength(1);
        const [step] = steps;
        expect(step.id).toEqual(expect.any(String));
        expect(step.action).toBe(action.id);
        const result = action.schema.input.safeParse(step.input);
        if (!result.success)
          throw new Error(
            `${action.id} example '${description}': ${result.error.message}`,
          );
      }
    },
  );
});
