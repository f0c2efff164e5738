import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

/** The manifests every test GitOps repository starts with. */
export const deployment = `# my-awesome-app, managed by Argo CD
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-awesome-app
spec:
  replicas: 3 # scaled by event orchestration
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/my-awesome-app:v1.2.2
        - name: proxy
          image: envoyproxy/envoy:v1.30.0
`;
export const kustomization = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
images:
  - name: ghcr.io/acme/my-awesome-app
    newTag: v1.0.0
`;
export const values = `image:
  repository: ghcr.io/acme/my-awesome-app
  tag: v1.0.0
`;

export function sh(cwd: string, ...args: string[]) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  }).trim();
}

/** A bare repository (the "remote") with the manifests on branch main. */
export function createGitopsRepo() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-gitops-test-'));
  const bare = path.join(root, 'gitops.git');
  const work = path.join(root, 'seed');
  sh(root, 'init', '--quiet', '--bare', '--initial-branch=main', bare);
  sh(root, 'clone', '--quiet', bare, work);
  fs.mkdirSync(path.join(work, 'apps/my-awesome-app'), { recursive: true });
  fs.writeFileSync(
    path.join(work, 'apps/my-awesome-app/deployment.yaml'),
    deployment,
  );
  fs.writeFileSync(
    path.join(work, 'apps/my-awesome-app/kustomization.yaml'),
    kustomization,
  );
  fs.writeFileSync(path.join(work, 'apps/my-awesome-app/values.yaml'), values);
  sh(work, 'add', '.');
  sh(work, 'commit', '--quiet', '-m', 'initial');
  sh(work, 'push', '--quiet', 'origin', 'HEAD:main');
  const read = (file: string) =>
    sh(root, '--git-dir', bare, 'show', `main:${file}`);
  const log = () =>
    sh(root, '--git-dir', bare, 'log', '--format=%H %s', 'main').split('\n');
  return {
    root,
    url: `file://${bare}`,
    bare,
    work,
    read,
    log,
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
