import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { Octokit, RestEndpointMethodTypes } from '@octokit/rest';
import { isStepCommit } from './commitTrailers';
import type { GitStepOptions } from './gitWorkingCopy';

/** A repository reached through GitHub's REST API instead of plain git. */
export interface GitHubRepository {
  octokit: Octokit;
  owner: string;
  repo: string;
  host: string;
}

/**
 * Finds the GitHub integration for a repository URL: `https://<host>/<owner>/<repo>`
 * where `<host>` is configured under Backstage's `integrations.github` (github.com
 * or an Enterprise host) — with its token and API base URL. Any other URL is left
 * to plain git.
 */
export function createGitHubResolver(
  config: Config,
): (repository: string) => GitHubRepository | undefined {
  const integrations = ScmIntegrations.fromConfig(config);
  const clients = new Map<string, Octokit>();
  return repository => {
    const match = repository.match(
      /^https:\/\/([^/@]+)\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/,
    );
    if (!match) return undefined;
    const [, host, owner, repo] = match;
    const integration = integrations.github.byHost(host);
    if (!integration) return undefined;
    let octokit = clients.get(host);
    if (!octokit) {
      octokit = new Octokit({
        auth: integration.config.token,
        baseUrl: integration.config.apiBaseUrl ?? 'https://api.github.com',
        userAgent: 'backstage-event-orchestration',
        request: { retries: 0 },
      });
      clients.set(host, octokit);
    }
    return { octokit, owner, repo, host };
  };
}

export const ATTEMPTS = 4;

export function errorStatus(error: unknown): number | undefined {
  return (error as { status?: number })?.status;
}

export function describeError(error: unknown) {
  const e = error as { status?: number; message?: string };
  return e.status ? `${e.status} ${e.message}` : String(e.message ?? error);
}

/** What every GitOps change on GitHub is given besides its own inputs. */
export type GitHubStepOptions = Omit<
  GitStepOptions,
  'repository' | 'allowedUrlSchemes' | 'remotePolicy'
> & { github: GitHubRepository };

/** A GitOps step's handle on its repository; see stepOnGitHub. */
export interface GitHubStep {
  octokit: Octokit;
  owner: string;
  repo: string;
  /** host/owner/repo, as shown in messages. */
  shown: string;
  /** Spread into every API call: the step's abort signal. */
  request: { request: { signal?: AbortSignal } };
  /** Runs an API call, turning its error into one clear line. */
  call<T>(what: string, fn: () => Promise<T>): Promise<T>;
  branch: string;
  keyTrailer: string;
  findStepCommit(): Promise<
    | RestEndpointMethodTypes['repos']['listCommits']['response']['data'][number]
    | undefined
  >;
  commitOnBranch(args: {
    tree: string;
    parent: string;
    message: string;
    author: { name: string; email: string };
  }): Promise<
    | RestEndpointMethodTypes['git']['createCommit']['response']['data']
    | undefined
  >;
}

/**
 * What every GitOps step on GitHub starts with: the client, the repository as
 * shown in messages, the branch (default: the repository's), the step's
 * idempotency trailer, and `call` that turns API errors into one clear line.
 */
export async function stepOnGitHub(
  options: Pick<
    GitHubStepOptions,
    'github' | 'branch' | 'idempotencyKey' | 'signal'
  >,
): Promise<GitHubStep> {
  const { octokit, owner, repo } = options.github;
  const shown = `${options.github.host}/${owner}/${repo}`;
  const request = { request: { signal: options.signal } };
  const call = async <T>(what: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (error) {
      throw new Error(
        `GitHub ${what} of ${shown} failed: ${describeError(error)}`,
      );
    }
  };
  const branch =
    options.branch ??
    (
      await call('reading the repository', () =>
        octokit.repos.get({ owner, repo, ...request }),
      )
    ).data.default_branch;
  const keyTrailer = `Event-Orchestration-Key: ${options.idempotencyKey}`;
  /** This step's commit on the branch, if an earlier attempt made it (exactly once). */
  const findStepCommit = async () => {
    const { data: recent } = await call('listing commits', () =>
      octokit.repos.listCommits({
        owner,
        repo,
        sha: branch,
        per_page: 50,
        ...request,
      }),
    );
    return recent.find(c =>
      isStepCommit(c.commit.message, options.idempotencyKey),
    );
  };
  /**
   * Commits `tree` on `parent` and fast-forwards the branch to it (never a
   * force push). Undefined when the branch moved since `parent` was read
   * (GitHub's 422 "not a fast forward"): the caller starts again on the new head.
   */
  const commitOnBranch = async (args: {
    tree: string;
    parent: string;
    message: string;
    author: { name: string; email: string };
  }) => {
    const { data: commit } = await call('writing a commit', () =>
      octokit.git.createCommit({
        owner,
        repo,
        tree: args.tree,
        parents: [args.parent],
        author: args.author,
        message: args.message,
        ...request,
      }),
    );
    try {
      await octokit.git.updateRef({
        owner,
        repo,
        ref: `heads/${branch}`,
        sha: commit.sha,
        force: false,
        ...request,
      });
      return commit;
    } catch (error) {
      if (
        errorStatus(error) === 422 &&
        /fast forward/i.test(describeError(error))
      )
        return undefined;
      throw new Error(
        `GitHub updating ${branch} of ${shown} failed: ${describeError(error)}`,
      );
    }
  };
  return {
    octokit,
    owner,
    repo,
    shown,
    request,
    call,
    branch,
    keyTrailer,
    findStepCommit,
    commitOnBranch,
  };
}

/** The error when the branch moved under every attempt. */
export const branchKeptMoving = (branch: string, shown: string) =>
  new Error(
    `GitHub updating ${branch} of ${shown} failed: the branch moved under each of ${ATTEMPTS} attempts`,
  );
