import { GitAuthor, GitopsOptions, gitopsTarget } from './gitopsStep';
import { createGitopsSetImageAction } from './setImageAction';
import { createGitopsSetReplicasAction } from './setReplicasAction';
import { createGitopsRevertAction } from './revertAction';
import { createGitopsCommitFilesAction } from './commitFilesAction';

export type { GitAuthor, GitopsOptions } from './gitopsStep';

/** `gitops:set-image`, `gitops:set-replicas`, `gitops:revert`, `gitops:commit-files`: change desired state in Git; Argo CD reconciles. */
export function createGitopsActions(
  author: GitAuthor,
  options: GitopsOptions = {},
) {
  const target = gitopsTarget(author, options);
  return [
    createGitopsSetImageAction(target),
    createGitopsSetReplicasAction(target),
    createGitopsRevertAction(target),
    createGitopsCommitFilesAction(target),
  ];
}
