import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ScmIntegrations } from '@backstage/integration';
import { Octokit } from '@octokit/rest';
import { ManifestEdit } from './editManifests';
import { createHash } from 'node:crypto';
import {
  FileToCommit,
  GitChangeResult,
  changedPaths,
  checkFilesToCommit,
  safeRepositoryPath,
} from './gitRepository';
import { isStepCommit } from './commitTrailers';

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

/** What every GitOps change on GitHub is given besides its own inputs. */
type GitHubStepOptions = {
  github: GitHubRepository;
  branch?: string;
  runId: string;
  idempotencyKey: string;
  author: { name: string; email: string };
  logger: LoggerService;
  signal?: AbortSignal;
};

/**
 * What every GitOps step on GitHub starts with: the client, the repository as
 * shown in messages, the branch (default: the repository's), the step's
 * idempotency trailer, and `call` that turns API errors into one clear line.
 */
async function stepOnGitHub(
  options: Pick<
    GitHubStepOptions,
    'github' | 'branch' | 'idempotencyKey' | 'signal'
  >,
) {
  const { octokit, owner, repo } = options.github;
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
      if (status(error) === 422 && /fast forward/i.test(describe(error)))
        return undefined;
      throw new Error(
        `GitHub updating ${branch} of ${shown} failed: ${describe(error)}`,
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
const branchKeptMoving = (branch: string, shown: string) =>
  new Error(
    `GitHub updating ${branch} of ${shown} failed: the branch moved under each of ${ATTEMPTS} attempts`,
  );

/**
 * Changes one file through GitHub's contents API: read it (with its blob sha),
 * edit, write it back with that sha, so GitHub refuses (409) if someone changed
 * it meanwhile — then read and edit again. Same exactly-once rules as over git:
 * a commit carrying the step's idempotency key on the branch is reported
 * instead of making another; a file already as wanted makes no commit.
 */
export async function commitFileChangeOnGitHub(
  options: GitHubStepOptions & {
    file: string;
    edit: (text: string) => ManifestEdit;
    message: string;
  },
): Promise<GitChangeResult> {
  const file = safeRepositoryPath(options.file);
  const {
    octokit,
    owner,
    repo,
    shown,
    request,
    branch,
    keyTrailer,
    findStepCommit,
  } = await stepOnGitHub(options);

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const earlier = await findStepCommit();
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

/** Git's blob id of a text: what GitHub's trees list, to see if a file already has it. */
function blobSha(content: string) {
  return createHash('sha1')
    .update(`blob ${Buffer.byteLength(content)}\0`)
    .update(content)
    .digest('hex');
}

/**
 * `gitops:commit-files` through GitHub's git data API: one tree with every
 * file, one commit, then a fast-forward-only ref update, retried on a moved
 * branch. Files already as given are left out; exactly once per step.
 */
export async function commitFilesOnGitHub(
  options: GitHubStepOptions & {
    files: FileToCommit[];
    message: string;
  },
): Promise<GitChangeResult & { files: string[] }> {
  const files = checkFilesToCommit(options.files);
  const {
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
  } = await stepOnGitHub(options);

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const earlier = await findStepCommit();
    if (earlier) {
      options.logger.info(
        `${shown}@${branch} already has this step's commit ${earlier.sha}`,
      );
      return {
        commitSha: earlier.sha,
        changed: true,
        url: earlier.html_url,
        files: changedPaths(earlier.commit.message),
      };
    }
    const head = (
      await call('reading the branch', () =>
        octokit.git.getRef({ owner, repo, ref: `heads/${branch}`, ...request }),
      )
    ).data.object.sha;
    const headCommit = await call('reading a commit', () =>
      octokit.git.getCommit({ owner, repo, commit_sha: head, ...request }),
    );
    const { data: tree } = await call('reading a tree', () =>
      octokit.git.getTree({
        owner,
        repo,
        tree_sha: headCommit.data.tree.sha,
        recursive: 'true',
        ...request,
      }),
    );
    const existing = new Map(
      tree.tree.filter(e => e.type === 'blob').map(e => [e.path!, e.sha!]),
    );
    const wanted = files.filter(
      f => existing.get(f.path) !== blobSha(f.content),
    );
    if (wanted.length === 0) {
      options.logger.info(
        `${shown}@${branch} already has these files as given; nothing to commit`,
      );
      return { commitSha: '', changed: false, url: '', files: [] };
    }
    const changes = wanted.map(
      f => `${existing.has(f.path) ? 'M' : 'A'} ${f.path}`,
    );
    const { data: newTree } = await call('writing a tree', () =>
      octokit.git.createTree({
        owner,
        repo,
        base_tree: headCommit.data.tree.sha,
        tree: wanted.map(f => ({
          path: f.path,
          mode: '100644' as const,
          type: 'blob' as const,
          content: f.content,
        })),
        ...request,
      }),
    );
    const commit = await commitOnBranch({
      tree: newTree.sha,
      parent: head,
      author: options.author,
      message: `${options.message}\n\n${changes.join(
        '\n',
      )}\n\nEvent-Orchestration-Run: ${options.runId}\n${keyTrailer}`,
    });
    if (commit) {
      options.logger.info(
        `committed ${commit.sha} to ${shown}@${branch}: ${changes.join('; ')}`,
      );
      return {
        commitSha: commit.sha,
        changed: true,
        url: commit.html_url,
        files: wanted.map(f => f.path),
      };
    }
    options.logger.warn(
      `${shown}@${branch} moved meanwhile; committing the files again on the new head`,
    );
  }
  throw branchKeptMoving(branch, shown);
}

/**
 * `gitops:revert` through GitHub's git data API: restores `path` (or the whole
 * tree) to a known-good commit's state as one new commit on the branch —
 * trees, commit, then a fast-forward-only ref update, retried when the branch
 * moved. Exactly once per step like the other GitOps changes.
 */
export async function revertOnGitHub(
  options: GitHubStepOptions & {
    path?: string;
    toCommit?: string;
    knownGood: string;
  },
): Promise<GitChangeResult & { revertedTo: string }> {
  const {
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
  } = await stepOnGitHub(options);
  const scope = options.path;
  const under = (p: string) =>
    scope === '.' || p === scope || p.startsWith(`${scope}/`);
  const blobs = async (treeSha: string) => {
    const { data } = await call('reading a tree', () =>
      octokit.git.getTree({
        owner,
        repo,
        tree_sha: treeSha,
        recursive: 'true',
        ...request,
      }),
    );
    if (data.truncated)
      throw new Error(
        `the tree of ${shown} is too large for GitHub's API; revert over plain git`,
      );
    return data.tree;
  };

  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const earlier = await findStepCommit();
    if (earlier) {
      const target =
        /Back to ([0-9a-f]{12})/.exec(earlier.commit.message)?.[1] ?? '';
      options.logger.info(
        `${shown}@${branch} already has this step's commit ${earlier.sha}`,
      );
      return {
        commitSha: earlier.sha,
        changed: true,
        url: earlier.html_url,
        revertedTo: target,
      };
    }
    const head = (
      await call('reading the branch', () =>
        octokit.git.getRef({ owner, repo, ref: `heads/${branch}`, ...request }),
      )
    ).data.object.sha;
    let revertedTo: string;
    if (options.toCommit) {
      if (!/^[0-9a-f]{7,40}$/i.test(options.toCommit))
        throw new Error(`toCommit '${options.toCommit}' must be a commit sha`);
      try {
        revertedTo = (
          await octokit.git.getCommit({
            owner,
            repo,
            commit_sha: options.toCommit,
            ...request,
          })
        ).data.sha;
      } catch (error) {
        if (status(error) === 404 || status(error) === 422)
          throw new Error(`commit ${options.toCommit} is not in ${shown}`);
        throw new Error(
          `GitHub reading commit ${
            options.toCommit
          } of ${shown} failed: ${describe(error)}`,
        );
      }
    } else {
      const { data: touching } = await call('listing commits', () =>
        octokit.repos.listCommits({
          owner,
          repo,
          sha: head,
          per_page: 100,
          ...(scope === '.' ? {} : { path: scope }),
          ...request,
        }),
      );
      const good = touching.find(c =>
        c.commit.message.includes(options.knownGood),
      );
      if (!good)
        throw new Error(
          `no commit of ${shown}@${branch} touching ${scope} says '${options.knownGood}'`,
        );
      revertedTo = good.sha;
    }
    const [headCommit, targetCommit] = await Promise.all(
      [head, revertedTo].map(sha =>
        call('reading a commit', () =>
          octokit.git.getCommit({ owner, repo, commit_sha: sha, ...request }),
        ),
      ),
    );
    const [headTree, targetTree] = await Promise.all([
      blobs(headCommit.data.tree.sha),
      blobs(targetCommit.data.tree.sha),
    ]);

    // What the revert changes, as git's name-status lines.
    const before = new Map(
      headTree
        .filter(e => e.type === 'blob' && under(e.path!))
        .map(e => [e.path!, e.sha!]),
    );
    const after = new Map(
      targetTree
        .filter(e => e.type === 'blob' && under(e.path!))
        .map(e => [e.path!, e.sha!]),
    );
    const changes = [
      ...[...after]
        .filter(([p, sha]) => before.get(p) !== sha)
        .map(([p]) => `${before.has(p) ? 'M' : 'A'} ${p}`),
      ...[...before.keys()].filter(p => !after.has(p)).map(p => `D ${p}`),
    ].sort((a, b) => a.slice(2).localeCompare(b.slice(2)));
    if (changes.length === 0) {
      options.logger.info(
        `${scope} in ${shown}@${branch} is already as at ${revertedTo}; nothing to commit`,
      );
      return { commitSha: '', changed: false, url: '', revertedTo };
    }
    let tree = targetCommit.data.tree.sha;
    if (scope !== '.') {
      const entry = targetTree.find(e => e.path === scope);
      const { data } = await call('writing a tree', () =>
        octokit.git.createTree({
          owner,
          repo,
          base_tree: headCommit.data.tree.sha,
          tree: [
            entry
              ? {
                  path: scope,
                  mode: entry.mode as '040000',
                  type: entry.type as 'tree',
                  sha: entry.sha,
                }
              : { path: scope, mode: '040000', type: 'tree', sha: null },
          ],
          ...request,
        }),
      );
      tree = data.sha;
    }
    const subject = targetCommit.data.message.split('\n')[0];
    const commit = await commitOnBranch({
      tree,
      parent: head,
      author: options.author,
      message: `Revert ${
        scope === '.' ? 'the repository' : scope
      }\n\n${changes.join('\n')}\n\nBack to ${revertedTo.slice(
        0,
        12,
      )} (${subject}).\n\nEvent-Orchestration-Run: ${
        options.runId
      }\n${keyTrailer}`,
    });
    if (commit) {
      options.logger.info(
        `committed ${commit.sha} to ${shown}@${branch}: ${scope} back to ${revertedTo}`,
      );
      return {
        commitSha: commit.sha,
        changed: true,
        url: commit.html_url,
        revertedTo,
      };
    }
    options.logger.warn(
      `${shown}@${branch} moved meanwhile; reverting again on the new head`,
    );
  }
  throw branchKeptMoving(branch, shown);
}
