import { safeRepositoryPath } from './repositoryPaths';
import { GitChangeResult } from './gitWorkingCopy';
import {
  ATTEMPTS,
  GitHubStepOptions,
  branchKeptMoving,
  describeError,
  errorStatus,
  stepOnGitHub,
} from './githubClient';

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
  const scope = options.path ? safeRepositoryPath(options.path) : '.';
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
        if (errorStatus(error) === 404 || errorStatus(error) === 422)
          throw new Error(`commit ${options.toCommit} is not in ${shown}`);
        throw new Error(
          `GitHub reading commit ${
            options.toCommit
          } of ${shown} failed: ${describeError(error)}`,
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
