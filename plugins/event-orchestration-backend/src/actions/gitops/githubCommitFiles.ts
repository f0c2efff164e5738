import { createHash } from 'node:crypto';
import { GitChangeResult } from './gitWorkingCopy';
import {
  FileToCommit,
  changedPaths,
  checkFilesToCommit,
} from './gitFileChanges';
import {
  ATTEMPTS,
  GitHubStepOptions,
  branchKeptMoving,
  stepOnGitHub,
} from './githubClient';

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
