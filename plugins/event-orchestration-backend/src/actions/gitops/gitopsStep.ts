import { LoggerService } from '@backstage/backend-plugin-api';
import { z } from 'zod';
import { commitFileChange } from './gitRepository';
import { GitHubRepository, commitFileChangeOnGitHub } from './githubProvider';
import {
  DEFAULT_GIT_URL_SCHEMES,
  branchNameProblem,
  gitRemotePolicy,
} from './gitRemotes';
import { OutboundPolicy } from '../../shared/http/outboundPolicy';
import { repositoryPathInput } from './repositoryPaths';

/** The author of GitOps commits. */
export interface GitAuthor {
  name: string;
  email: string;
}

/** Where GitOps commits go besides the step's inputs (`eventOrchestration.gitops`). */
export interface GitopsOptions {
  /** Repositories to reach through GitHub's API (hosts in `integrations.github`); see createGitHubResolver. */
  github?: (repository: string) => GitHubRepository | undefined;
  /** Transports plain git may use (`eventOrchestration.gitops.allowedUrlSchemes`); default https and ssh. */
  allowedUrlSchemes?: readonly string[];
  /** Addresses plain-git remotes may resolve to (`eventOrchestration.gitops.allowedCidrs`); default public only. */
  remotePolicy?: OutboundPolicy;
}

/** What every GitOps action is built with: the author, the GitHub resolver and the plain-git limits. */
export interface GitopsTarget {
  author: GitAuthor;
  github: (repository: string) => GitHubRepository | undefined;
  remotes: {
    allowedUrlSchemes: readonly string[];
    remotePolicy: OutboundPolicy;
  };
}

/** Fills in the defaults of the GitOps options. */
export function gitopsTarget(
  author: GitAuthor,
  options: GitopsOptions = {},
): GitopsTarget {
  return {
    author,
    github: repository => options.github?.(repository),
    remotes: {
      allowedUrlSchemes: options.allowedUrlSchemes ?? DEFAULT_GIT_URL_SCHEMES,
      remotePolicy: options.remotePolicy ?? gitRemotePolicy(),
    },
  };
}

/** One file changed, through the GitHub provider or plain git. */
export function changeFile(
  target: GitopsTarget,
  args: Parameters<typeof commitFileChange>[0],
) {
  const github = target.github(args.repository);
  return github
    ? commitFileChangeOnGitHub({ ...args, github })
    : commitFileChange({ ...args, ...target.remotes });
}

export const repositoryInput = {
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
  file: repositoryPathInput().describe(
    'Path of the manifest inside the repository: relative, below the root, without .. or .git segments',
  ),
};

export const changeOutput = z.object({
  commitSha: z.string().describe('Empty when nothing had to change'),
  changed: z.boolean(),
  url: z.string(),
});

export /** Who commits, and for which run and step: the same for every GitOps action. */
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
export function reportChange(
  ctx: { output(name: string, value: string | boolean): void },
  result: { commitSha: string; changed: boolean; url: string },
) {
  ctx.output('commitSha', result.commitSha);
  ctx.output('changed', result.changed);
  ctx.output('url', result.url);
}
