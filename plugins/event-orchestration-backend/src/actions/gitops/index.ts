export { createGitopsActions } from './gitopsActions';
export type { GitAuthor } from './gitopsActions';
export { createGitHubResolver } from './githubProvider';
export { readGitRemotePolicy, readGitUrlSchemes } from './gitRemotes';
