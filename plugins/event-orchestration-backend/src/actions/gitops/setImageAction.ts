import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { setImage } from './editManifests';
import {
  GitopsTarget,
  changeFile,
  changeOutput,
  repositoryInput,
  reportChange,
  stepIdentity,
} from './gitopsStep';
import { examples } from './setImageAction.examples';

/** `gitops:set-image`; see createGitopsActions. */
export function createGitopsSetImageAction(target: GitopsTarget) {
  const { author } = target;
  return createOrchestrationAction({
    id: 'gitops:set-image',
    description:
      'Sets the tag of an image in a manifest (container image fields, kustomize images[], or a Helm values path) and pushes the commit.',
    examples,
    schema: {
      input: z
        .object({
          ...repositoryInput,
          image: z
            .string()
            .min(1)
            .describe(
              'Image name without tag, e.g. ghcr.io/acme/my-awesome-app',
            ),
          tag: z
            .string()
            .regex(/^[\w][\w.-]{0,127}$/, 'must be a valid image tag'),
          valuesPath: z
            .string()
            .min(1)
            .optional()
            .describe('Dotted path of the tag in Helm values, e.g. image.tag'),
        })
        .strict(),
      output: changeOutput,
    },
    async handler(ctx) {
      const { repository, branch, file, image, tag, valuesPath } = ctx.input;
      const result = await changeFile(target, {
        ...stepIdentity(ctx),
        author,
        repository,
        branch,
        file,
        edit: text => setImage(text, { image, tag, valuesPath }),
        message: `Deploy ${image}:${tag}`,
      });
      reportChange(ctx, result);
    },
  });
}
