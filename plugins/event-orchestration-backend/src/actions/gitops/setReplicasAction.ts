import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { setReplicas } from './editManifests';
import {
  GitopsTarget,
  changeFile,
  changeOutput,
  repositoryInput,
  reportChange,
  stepIdentity,
} from './gitopsStep';
import { examples } from './setReplicasAction.examples';
import {
  kubernetesName,
  replicaCount,
  replicaIncrement,
} from '../../shared/kubernetesNames';

/** `gitops:set-replicas`; see createGitopsActions. */
export function createGitopsSetReplicasAction(target: GitopsTarget) {
  const { author } = target;
  return createOrchestrationAction({
    id: 'gitops:set-replicas',
    description:
      'Sets or increments spec.replicas of a workload in a manifest, at most max, and pushes the commit.',
    examples,
    schema: {
      input: z
        .object({
          ...repositoryInput,
          replicas: replicaCount().optional(),
          increment: replicaIncrement().optional(),
          max: replicaCount().optional(),
          name: kubernetesName()
            .optional()
            .describe('Only the workload with this metadata.name'),
        })
        .strict()
        .refine(
          i => (i.replicas === undefined) !== (i.increment === undefined),
          {
            message: 'give exactly one of replicas, increment',
          },
        ),
      output: changeOutput.extend({ replicas: z.number() }),
    },
    async handler(ctx) {
      const { repository, branch, file, replicas, increment, max, name } =
        ctx.input;
      let wanted = 0;
      const result = await changeFile(target, {
        ...stepIdentity(ctx),
        author,
        repository,
        branch,
        file,
        edit: text => {
          const edit = setReplicas(text, { replicas, increment, max, name });
          wanted = edit.replicas;
          return edit;
        },
        message: `Scale ${name ?? file} to ${
          replicas ?? `${increment! >= 0 ? '+' : ''}${increment}`
        } replicas`,
      });
      reportChange(ctx, result);
      ctx.output('replicas', wanted);
    },
  });
}
