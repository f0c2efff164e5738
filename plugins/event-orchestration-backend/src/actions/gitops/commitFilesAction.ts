import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { z } from 'zod';
import { commitFiles } from './gitRepository';
import { commitFilesOnGitHub } from './githubProvider';
import {
  GitopsTarget,
  changeOutput,
  repositoryInput,
  reportChange,
  stepIdentity,
} from './gitopsStep';
import { examples } from './commitFilesAction.examples';

/** `gitops:commit-files`; see createGitopsActions. */
export function createGitopsCommitFilesAction(target: GitopsTarget) {
  const { author } = target;
  return createOrchestrationAction({
    id: 'gitops:commit-files',
    description:
      'Writes whole files (created or replaced) into a repository as one commit and pushes it, e.g. CI pipeline definitions or a catalog-info.yaml for a new application. Files already as given are left alone; when all are, nothing is committed.',
    examples,
    schema: {
      input: z
        .object({
          repository: repositoryInput.repository,
          branch: repositoryInput.branch,
          files: z
            .array(
              z
                .object({
                  path: z
                    .string()
                    .min(1)
                    .describe(
                      'Path inside the repository, e.g. .github/workflows/ci.yaml',
                    ),
                  content: z.string().describe('The whole file'),
                })
                .strict(),
            )
            .min(1)
            .max(100),
          message: z
            .string()
            .min(1)
            .describe('First line of the commit message'),
        })
        .strict(),
      output: changeOutput.extend({
        files: z
          .array(z.string())
          .describe('The files the commit created or changed'),
      }),
    },
    async handler(ctx) {
      const github = target.github(ctx.input.repository);
      const args = { ...stepIdentity(ctx), author, ...ctx.input };
      const result = github
        ? await commitFilesOnGitHub({ ...args, github })
        : await commitFiles({ ...args, ...target.remotes });
      reportChange(ctx, result);
      ctx.output('files', result.files);
    },
  });
}
