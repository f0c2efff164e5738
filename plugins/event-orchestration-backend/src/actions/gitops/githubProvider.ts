// GitOps changes through GitHub's REST API: the client and what every step
// starts with in githubClient.ts, one file through the contents API in
// githubFileChange.ts, whole files and reverts through the git data API in
// githubCommitFiles.ts and githubRevert.ts.
export { createGitHubResolver } from './githubClient';
export type { GitHubRepository } from './githubClient';
export { commitFileChangeOnGitHub } from './githubFileChange';
export { commitFilesOnGitHub } from './githubCommitFiles';
export { revertOnGitHub } from './githubRevert';
