export { createGitopsActions } from './gitopsActions';
export type { GitAuthor } from './gitopsActions';
export { createGitHubResolver } from './githubProvider';
export { readGitUrlSchemes } from './gitRemotes';
