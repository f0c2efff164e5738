import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { ManifestEdit } from './editManifests';
import { GitChangeResult, safeRepositoryPath } from './gitRepository';

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

const ATTEMPTS = 4;

function status(error: unknown): number | undefined {
  return (error as { status?: number })?.status;
}

function describe(error: unknown) {
  const e = error as { status?: number; message?: string };
  return e.status ? `${e.status} ${e.message}` : String(e.message ?? error);
}

/**
 * Changes one file through GitHub's contents API: read it (with its blob sha),
 * edit, write it back with that sha, so GitHub refuses (409) if someone changed
 * it meanwhile — then read and edit again. Same exactly-once rules as over git:
 * a commit carrying the step's idempotency key on the branch is reported
 * instead of making another; a file already as wanted makes no commit.
 */
export async function commitFileChangeOnGitHub(options: {
  github: GitHubRepository;
  branch?: string;
  file: string;
  edit: (text: string) => ManifestEdit;
  message: string;
  runId: string;
  idempotencyKey: string;
  author: { name: string; email: string };
  logger: LoggerService;
  signal?: AbortSignal;
}): Promise<GitChangeResult> {
  const { octokit, owner, repo } = options.github;
  const file = safeRepositoryPath(options.file);
  const shown = `${options.github.host}/${owner}/${repo}`;
  const request = { request: { signal: options.signal } };
  const call = async <T>(what: string, fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (error) {
      throw new Error(`GitHub ${what} of ${shown} failed: ${describe(error)}`);
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

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const { data: recent } = await call('listing commits', () =>
      octokit.repos.listCommits({
        owner,
        repo,
        sha: branch,
        per_page: 50,
        ...request,
      }),
    );
    const earlier = recent.find(c => c.commit.message.includes(keyTrailer));
    if (earlier) {
      options.logger.info(
        `${shown}@${branch} already has this step's commit ${earlier.sha}`,
      );
      return { commitSha: earlier.sha, changed: true, url: earlier.html_url };
    }
    let current: { content?: string; sha: string; type: string };
    try {
      current = (
        await octokit.repos.getContent({
          owner,
          repo,
          path: file,
          ref: branch,
          ...request,
        })
      ).data as any;
    } catch (error) {
      if (status(error) === 404)
        throw new Error(`file '${file}' does not exist in ${shown}@${branch}`);
      throw new Error(
        `GitHub reading ${file} of ${shown} failed: ${describe(error)}`,
      );
    }
    if (current.type !== 'file' || current.content === undefined)
      throw new Error(`'${file}' in ${shown}@${branch} is not a file`);
    const text = Buffer.from(current.content, 'base64').toString('utf8');
    const edit = options.edit(text);
    if (edit.changes.length === 0) {
      options.logger.info(
        `${file} in ${shown}@${branch} is already as wanted; nothing to commit`,
      );
      return { commitSha: '', changed: false, url: '' };
    }
    try {
      const { data } = await octokit.repos.createOrUpdateFileContents({
        owner,
        repo,
        path: file,
        branch,
        sha: current.sha,
        content: Buffer.from(edit.text, 'utf8').toString('base64'),
        message: `${options.message}\n\n${edit.changes.join(
          '\n',
        )}\n\nEvent-Orchestration-Run: ${options.runId}\n${keyTrailer}`,
        committer: options.author,
        ...request,
      });
      const sha = data.commit.sha ?? '';
      options.logger.info(
        `committed ${sha} to ${shown}@${branch}: ${edit.changes.join('; ')}`,
      );
      return { commitSha: sha, changed: true, url: data.commit.html_url ?? '' };
    } catch (error) {
      // 409: the file's sha is no longer the branch's (someone committed); 422
      // with "does not match": the same, as some GitHub versions answer it.
      const conflict =
        status(error) === 409 ||
        (status(error) === 422 && /does not match/i.test(describe(error)));
      if (!conflict || attempt === ATTEMPTS)
        throw new Error(
          `GitHub writing ${file} of ${shown} failed: ${describe(error)}`,
        );
      options.logger.warn(
        `${file} in ${shown}@${branch} changed meanwhile; editing it again`,
      );
    }
  }
  throw new Error('unreachable');
}
