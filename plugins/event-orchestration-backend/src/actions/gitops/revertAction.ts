import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { revertToKnownGood } from './gitRepository';
import { revertOnGitHub } from './githubProvider';
import {
  GitopsTarget,
  changeOutput,
  repositoryInput,
  reportChange,
  stepIdentity,
} from './gitopsStep';
import { examples } from './revertAction.examples';
import { repositoryPathInput } from './repositoryPaths';

/** `gitops:revert`; see createGitopsActions. */
export function createGitopsRevertAction(target: GitopsTarget) {
  const { author } = target;
  return createOrchestrationAction({
    id: 'gitops:revert',
    description:
      'Restores a path (default the whole repository) to the newest commit that touched it and is marked known-good (a text in its message, default the trailer "Known-Good: true"), or to a given commit, as one new commit (files added since are removed), and pushes it.',
    examples,
    schema: {
      input: z
        .object({
          repository: repositoryInput.repository,
          branch: repositoryInput.branch,
          path: repositoryPathInput()
            .optional()
            .describe(
              'Only this file or directory below the root, e.g. apps/my-awesome-app (no .. or .git segments). Leave it out to restore the whole repository: a given path never means the root',
            ),
          toCommit: z
            .string()
            .min(7)
            .optional()
            .describe(
              'A commit sha to go back to, instead of the known-good search',
            ),
          knownGood: z
            .string()
            .min(1)
            .default('Known-Good: true')
            .describe('Text in the message of known-good commits'),
        })
        .strict(),
      output: changeOutput.extend({
        revertedTo: z.string().describe('The commit whose state was restored'),
      }),
    },
    async handler(ctx) {
      const github = target.github(ctx.input.repository);
      if (github) {
        const result = await revertOnGitHub({
          ...stepIdentity(ctx),
          author,
          ...ctx.input,
          github,
        });
        reportChange(ctx, result);
        ctx.output('revertedTo', result.revertedTo);
        return;
      }
      const result = await revertToKnownGood({
        ...stepIdentity(ctx),
        author,
        ...ctx.input,
        ...target.remotes,
      });
      reportChange(ctx, result);
      ctx.output('revertedTo', result.revertedTo);
    },
  });
}
