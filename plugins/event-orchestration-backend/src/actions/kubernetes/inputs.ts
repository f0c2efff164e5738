import { z } from 'zod';

/** Where a Kubernetes action acts: cluster (default the first), namespace, name. */
export const target = {
  cluster: z
    .string()
    .min(1)
    .optional()
    .describe('Name of a configured cluster; default the first'),
  namespace: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a Kubernetes namespace name',
    ),
  name: z.string().min(1).max(253),
};

/** The kinds scale and rollout-restart act on. */
export const workloadKind = z
  .enum(['Deployment', 'StatefulSet'])
  .default('Deployment');
