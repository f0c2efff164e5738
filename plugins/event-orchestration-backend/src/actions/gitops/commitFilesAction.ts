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
import { repositoryPathInput } from './repositoryPaths';
import { manifestText } from './editManifests';

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
                  path: repositoryPathInput().describe(
                    'Path inside the repository, e.g. .github/workflows/ci.yaml',
                  ),
                  content: z.string().optional().describe('The whole file'),
                  manifest: z
                    .union([
                      z.record(z.unknown()),
                      z.array(z.record(z.unknown())).min(1),
                    ])
                    .optional()
                    .describe(
                      'Instead of content: a YAML file written from this object (or one document per object), so templated values stay values and cannot add lines or keys',
                    ),
                })
                .strict()
                .refine(
                  f => (f.content === undefined) !== (f.manifest === undefined),
                  { message: 'give exactly one of content, manifest' },
                ),
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
      const files = ctx.input.files.map(f => ({
        path: f.path,
        content: f.manifest ? manifestText(f.manifest) : f.content!,
      }));
      const args = { ...stepIdentity(ctx), author, ...ctx.input, files };
      const result = github
        ? await commitFilesOnGitHub({ ...args, github })
        : await commitFiles({ ...args, ...target.remotes });
      reportChange(ctx, result);
      ctx.output('files', result.files);
    },
  });
}
