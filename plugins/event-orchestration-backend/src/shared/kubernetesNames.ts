import { z } from 'zod';

// What the Kubernetes API server accepts (k8s.io/apimachinery validation): a
// name from an event can then never be a path (`../`), a selector or a field.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a DNS-1123 label (namespaces, most names), or undefined. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length > 63) return 'must be at most 63 characters';
  if (!LABEL.test(name))
    return 'must be a DNS-1123 label: lower-case letters, digits and -, starting and ending with a letter or digit';
  return undefined;
}

/** Why `name` is not a DNS-1123 subdomain (object names, Argo CD applications), or undefined. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  if (!SUBDOMAIN.test(name))
    return 'must be a DNS-1123 subdomain: lower-case letters, digits, - and ., each part starting and ending with a letter or digit';
  return undefined;
}

function checked(problem: (name: string) => string | undefined, what: string) {
  return z.string().superRefine((name, ctx) => {
    const reason = problem(name);
    if (reason)
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        message: `${JSON.stringify(name)} is not a valid ${what}: ${reason}`,
      });
  });
}

/** A namespace (or other DNS-1123 label) input of an action's schema. */
export const kubernetesNamespace = (what = 'Kubernetes namespace') =>
  checked(dns1123LabelProblem, what);

/** An object name (DNS-1123 subdomain) input of an action's schema. */
export const kubernetesName = (what = 'Kubernetes object name') =>
  checked(dns1123SubdomainProblem, what);

/**
 * Upper bound of a replica count an action sets: far above any real workload,
 * low enough that a typo or a forged event cannot ask a cluster for a million
 * pods.
 */
export const MAX_REPLICAS = 1000;

/** A replica count: an integer 0–MAX_REPLICAS, never text (no YAML can ride along). */
export const replicaCount = () =>
  z
    .number()
    .int()
    .min(0)
    .max(MAX_REPLICAS)
    .describe(`An integer from 0 to ${MAX_REPLICAS}`);

/** A change of a replica count: an integer within ±MAX_REPLICAS. */
export const replicaIncrement = () =>
  z.number().int().min(-MAX_REPLICAS).max(MAX_REPLICAS);
