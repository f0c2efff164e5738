import { z } from 'zod';
import {
  kubernetesName,
  kubernetesNamespace,
} from '../../shared/kubernetesNames';

/** Where a Kubernetes action acts: cluster (default the first), namespace, name. */
export const target = {
  cluster: z
    .string()
    .min(1)
    .optional()
    .describe('Name of a configured cluster; default the first'),
  namespace: kubernetesNamespace(),
  name: kubernetesName(),
};

/** The kinds scale and rollout-restart act on. */
export const workloadKind = z
  .enum(['Deployment', 'StatefulSet'])
  .default('Deployment');
