#!/usr/bin/env node
// Creates .data/gitops.git, the example app's GitOps repository, from
// examples/gitops/ the first time; leaves an existing one alone.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const bare = path.join(root, '.data', 'gitops.git');
if (fs.existsSync(bare)) process.exit(0);

const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Example setup',
  GIT_AUTHOR_EMAIL: 'setup@example.com',
  GIT_COMMITTER_NAME: 'Example setup',
  GIT_COMMITTER_EMAIL: 'setup@example.com',
};
const git = (cwd, ...args) =>
  execFileSync('git', args, { cwd, env, stdio: 'pipe' });

fs.mkdirSync(path.dirname(bare), { recursive: true });
git(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-gitops-seed-'));
git(work, 'clone', '--quiet', bare, '.');
fs.cpSync(path.join(root, 'examples', 'gitops'), work, { recursive: true });
git(work, 'add', '.');
// Marked known-good: what templates/remediate-application's rollback returns to.
git(
  work,
  'commit',
  '--quiet',
  '-m',
  'Example GitOps repository\n\nKnown-Good: true',
);
git(work, 'push', '--quiet', 'origin', 'HEAD:main');
fs.rmSync(work, { recursive: true, force: true });
console.log(
  `Created the example GitOps repository ${path.relative(process.cwd(), bare)}`,
);
