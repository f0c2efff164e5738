export { createGitopsActions } from './gitopsActions';
export type { GitAuthor } from './gitopsActions';
export { createGitHubResolver } from './githubProvider';
