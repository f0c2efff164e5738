// Plain-git GitOps changes: the working-copy cycle (clone, change, commit,
// push, retry) in gitWorkingCopy.ts, file writes in gitFileChanges.ts, the
// known-good revert in gitRevert.ts.
export { safeRepositoryPath } from './repositoryPaths';
export { commitChange, commitUrl, redactRemote } from './gitWorkingCopy';
export type {
  GitChangeResult,
  GitStepOptions,
  WorkingCopyChange,
} from './gitWorkingCopy';
export {
  changedPaths,
  checkFilesToCommit,
  commitFileChange,
  commitFiles,
} from './gitFileChanges';
export type { FileToCommit } from './gitFileChanges';
export { revertToKnownGood } from './gitRevert';
