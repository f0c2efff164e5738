import { createOrchestrationAction } from '@edo/plugin-event-orchestration-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { z } from 'zod';
import { setImage, setReplicas } from './editManifests';
import {
  commitFileChange,
  commitFiles,
  revertToKnownGood,
} from './gitRepository';
import {
  GitHubRepository,
  commitFileChangeOnGitHub,
  commitFilesOnGitHub,
  revertOnGitHub,
} from './githubProvider';
import {
  DEFAULT_GIT_URL_SCHEMES,
  branchNameProblem,
  gitRemotePolicy,
} from './gitRemotes';
import { OutboundPolicy } from '../../shared/http/outboundPolicy';

/** The author of GitOps commits. */
export interface GitAuthor {
  name: string;
  email: string;
}

const repositoryInput = {
  repository: z
    .string()
    .min(1)
    .describe(
      'A git URL. https://<host>/<owner>/<repo> with <host> in integrations.github goes through the GitHub API (its token); anything else through plain git (git in PATH), over the transports eventOrchestration.gitops.allowedUrlSchemes allows (default https, ssh)',
    ),
  branch: z
    .string()
    .superRefine((name, ctx) => {
      const problem = branchNameProblem(name);
      if (problem)
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `'${name}' is not a valid branch name: ${problem}`,
        });
    })
    .optional()
    .describe("Default: the repository's default branch"),
  file: z
    .string()
    .min(1)
    .describe('Path of the manifest inside the repository'),
};

const changeOutput = z.object({
  commitSha: z.string().describe('Empty when nothing had to change'),
  changed: z.boolean(),
  url: z.string(),
});

/** Who commits, and for which run and step: the same for every GitOps action. */
function stepIdentity(ctx: {
  runId: string;
  idempotencyKey: string;
  logger: LoggerService;
  signal: AbortSignal;
}) {
  return {
    runId: ctx.runId,
    idempotencyKey: ctx.idempotencyKey,
    logger: ctx.logger,
    signal: ctx.signal,
  };
}

/** Reports what a GitOps commit did as the step's outputs. */
function reportChange(
  ctx: { output(name: string, value: string | boolean): void },
  result: { commitSha: string; changed: boolean; url: string },
) {
  ctx.output('commitSha', result.commitSha);
  ctx.output('changed', result.changed);
  ctx.output('url', result.url);
}

/** `gitops:set-image`, `gitops:set-replicas`, `gitops:revert`, `gitops:commit-files`: change desired state in Git; Argo CD reconciles. */
export function createGitopsActions(
  author: GitAuthor,
  options: {
    /** Repositories to reach through GitHub's API (hosts in `integrations.github`); see createGitHubResolver. */
    github?: (repository: string) => GitHubRepository | undefined;
    /** Transports plain git may use (`eventOrchestration.gitops.allowedUrlSchemes`); default https and ssh. */
    allowedUrlSchemes?: readonly string[];
    /** Addresses plain-git remotes may resolve to (`eventOrchestration.gitops.allowedCidrs`); default public only. */
    remotePolicy?: OutboundPolicy;
  } = {},
) {
  const remotes = {
    allowedUrlSchemes: options.allowedUrlSchemes ?? DEFAULT_GIT_URL_SCHEMES,
    remotePolicy: options.remotePolicy ?? gitRemotePolicy(),
  };
  /** One file changed, through the GitHub provider or plain git. */
  const changeFile = (args: Parameters<typeof commitFileChange>[0]) => {
    const github = options.github?.(args.repository);
    return github
      ? commitFileChangeOnGitHub({ ...args, github })
      : commitFileChange({ ...args, ...remotes });
  };

  const setImageAction = createOrchestrationAction({
    id: 'gitops:set-image',
    description:
      'Sets the tag of an image in a manifest (container image fields, kustomize images[], or a Helm values path) and pushes the commit.',
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
      const result = await changeFile({
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

  const setReplicasAction = createOrchestrationAction({
    id: 'gitops:set-replicas',
    description:
      'Sets or increments spec.replicas of a workload in a manifest, at most max, and pushes the commit.',
    schema: {
      input: z
        .object({
          ...repositoryInput,
          replicas: z.number().int().min(0).optional(),
          increment: z.number().int().optional(),
          max: z.number().int().min(0).optional(),
          name: z
            .string()
            .min(1)
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
      const result = await changeFile({
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

  const revertAction = createOrchestrationAction({
    id: 'gitops:revert',
    description:
      'Restores a path (default the whole repository) to the newest commit that touched it and is marked known-good (a text in its message, default the trailer "Known-Good: true"), or to a given commit, as one new commit (files added since are removed), and pushes it.',
    schema: {
      input: z
        .object({
          repository: repositoryInput.repository,
          branch: repositoryInput.branch,
          path: z
            .string()
            .min(1)
            .optional()
            .describe('Only this file or directory, e.g. apps/my-awesome-app'),
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
      const github = options.github?.(ctx.input.repository);
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
        ...remotes,
      });
      reportChange(ctx, result);
      ctx.output('revertedTo', result.revertedTo);
    },
  });

  const commitFilesAction = createOrchestrationAction({
    id: 'gitops:commit-files',
    description:
      'Writes whole files (created or replaced) into a repository as one commit and pushes it, e.g. CI pipeline definitions or a catalog-info.yaml for a new application. Files already as given are left alone; when all are, nothing is committed.',
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
      const github = options.github?.(ctx.input.repository);
      const args = { ...stepIdentity(ctx), author, ...ctx.input };
      const result = github
        ? await commitFilesOnGitHub({ ...args, github })
        : await commitFiles({ ...args, ...remotes });
      reportChange(ctx, result);
      ctx.output('files', result.files);
    },
  });

  return [setImageAction, setReplicasAction, revertAction, commitFilesAction];
}
