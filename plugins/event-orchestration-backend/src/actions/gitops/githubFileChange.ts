import { ManifestEdit } from './editManifests';
import { safeRepositoryPath } from './repositoryPaths';
import { GitChangeResult } from './gitWorkingCopy';
import {
  ATTEMPTS,
  GitHubStepOptions,
  describeError,
  errorStatus,
  stepOnGitHub,
} from './githubClient';

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
      if (errorStatus(error) === 404)
        throw new Error(`file '${file}' does not exist in ${shown}@${branch}`);
      throw new Error(
        `GitHub reading ${file} of ${shown} failed: ${describeError(error)}`,
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
        errorStatus(error) === 409 ||
        (errorStatus(error) === 422 &&
          /does not match/i.test(describeError(error)));
      if (!conflict || attempt === ATTEMPTS)
        throw new Error(
          `GitHub writing ${file} of ${shown} failed: ${describeError(error)}`,
        );
      options.logger.warn(
        `${file} in ${shown}@${branch} changed meanwhile; editing it again`,
      );
    }
  }
  throw new Error('unreachable');
}
