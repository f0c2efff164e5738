import fs from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { createGitopsActions } from './gitopsActions';
import { runActionForTest } from '../../__testUtils__/runAction';
import { commitFileChange } from './gitRepository';
import { setImage } from './editManifests';
import {
  createGitopsRepo,
  deployment,
  kustomization,
  sh,
} from '../../__testUtils__/gitopsRepo';

// Real git processes: on 2 cores shared with other suites one case can take over jest's 5 s default.
jest.setTimeout(30_000);

const author = { name: 'Event Orchestration', email: 'edo@example.com' };
const [setImageAction, setReplicasAction, revertAction, commitFilesAction] =
  createGitopsActions(author, { allowedUrlSchemes: ['file'] });

const runAction = (
  action: any,
  input: Record<string, unknown>,
  ids = { runId: 'run-1', stepId: 'deploy' },
) => runActionForTest(action, input, ids);

describe('gitops actions on a local bare repository', () => {
  let repo: ReturnType<typeof createGitopsRepo>;
  beforeEach(() => {
    repo = createGitopsRepo();
  });
  afterEach(() => repo.cleanup());

  it('gitops:set-image commits the new tag with the run trailer, keeps comments, and makes no second commit', async () => {
    const input = {
      repository: repo.url,
      file: 'apps/my-awesome-app/deployment.yaml',
      image: 'ghcr.io/acme/my-awesome-app',
      tag: 'v1.2.3',
    };
    const first = await runAction(setImageAction, input);
    expect(first).toEqual({
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      changed: true,
      url: '',
    });
    expect(repo.read('apps/my-awesome-app/deployment.yaml')).toBe(
      deployment
        .replace('my-awesome-app:v1.2.2', 'my-awesome-app:v1.2.3')
        .trim(),
    );
    const message = sh(
      repo.root,
      '--git-dir',
      repo.bare,
      'log',
      '-1',
      '--format=%B',
      'main',
    );
    expect(message).toContain('Deploy ghcr.io/acme/my-awesome-app:v1.2.3');
    expect(message).toContain('Event-Orchestration-Run: run-1');
    expect(message).toContain('Event-Orchestration-Key: run-1:deploy');

    // The same step again (a redelivery): reports its commit, makes none.
    expect(await runAction(setImageAction, input)).toEqual(first);
    // Another run wanting the same tag: nothing to change.
    expect(
      await runAction(setImageAction, input, {
        runId: 'run-2',
        stepId: 'deploy',
      }),
    ).toEqual({ commitSha: '', changed: false, url: '' });
    expect(repo.log()).toHaveLength(2);
  });

  it('sets kustomize images and Helm values paths', async () => {
    await runAction(setImageAction, {
      repository: repo.url,
      file: 'apps/my-awesome-app/kustomization.yaml',
      image: 'ghcr.io/acme/my-awesome-app',
      tag: 'v2.0.0',
    });
    expect(repo.read('apps/my-awesome-app/kustomization.yaml')).toContain(
      'newTag: v2.0.0',
    );
    await runAction(
      setImageAction,
      {
        repository: repo.url,
        file: 'apps/my-awesome-app/values.yaml',
        image: 'ghcr.io/acme/my-awesome-app',
        tag: 'v2.0.0',
        valuesPath: 'image.tag',
      },
      { runId: 'run-3', stepId: 'deploy' },
    );
    expect(repo.read('apps/my-awesome-app/values.yaml')).toContain(
      'tag: v2.0.0',
    );
  });

  it('gitops:set-replicas increments up to max', async () => {
    const input = {
      repository: repo.url,
      file: 'apps/my-awesome-app/deployment.yaml',
      increment: 2,
      max: 4,
    };
    const out = await runAction(setReplicasAction, input);
    expect(out).toMatchObject({ changed: true, replicas: 4 });
    expect(repo.read('apps/my-awesome-app/deployment.yaml')).toContain(
      'replicas: 4 # scaled by event orchestration',
    );
    expect(
      await runAction(setReplicasAction, input, {
        runId: 'run-9',
        stepId: 'scale',
      }),
    ).toMatchObject({ changed: false, commitSha: '', replicas: 4 });
  });

  it('applies the change again on the new head when someone pushed in between', async () => {
    let pushedByOthers = false;
    const result = await commitFileChange({
      repository: repo.url,
      allowedUrlSchemes: ['file'],
      file: 'apps/my-awesome-app/deployment.yaml',
      edit: text => {
        if (!pushedByOthers) {
          pushedByOthers = true;
          fs.writeFileSync(path.join(repo.work, 'README.md'), 'someone else\n');
          sh(repo.work, 'add', '.');
          sh(repo.work, 'commit', '--quiet', '-m', 'concurrent change');
          sh(repo.work, 'push', '--quiet', 'origin', 'HEAD:main');
        }
        return setImage(text, {
          image: 'ghcr.io/acme/my-awesome-app',
          tag: 'v9.9.9',
        });
      },
      message: 'Deploy v9.9.9',
      runId: 'run-5',
      idempotencyKey: 'run-5:deploy',
      author,
      logger: mockServices.logger.mock(),
    });
    expect(result.changed).toBe(true);
    expect(repo.log().map(l => l.slice(41))).toEqual([
      'Deploy v9.9.9',
      'concurrent change',
      'initial',
    ]);
    expect(repo.read('README.md')).toBe('someone else');
  });

  it('gitops:revert restores a path to the newest known-good commit as one new commit, once', async () => {
    // v1.2.2 is marked known-good; two deploys and a new file follow, plus a change elsewhere.
    const commit = (message: string, files: Record<string, string | null>) => {
      for (const [file, text] of Object.entries(files)) {
        if (text === null) fs.rmSync(path.join(repo.work, file));
        else fs.writeFileSync(path.join(repo.work, file), text);
      }
      sh(repo.work, 'add', '-A');
      sh(repo.work, 'commit', '--quiet', '-m', message);
      sh(repo.work, 'push', '--quiet', 'origin', 'HEAD:main');
      return sh(repo.work, 'rev-parse', 'HEAD');
    };
    const good = commit('Deploy v1.2.2 verified\n\nKnown-Good: true', {
      'apps/my-awesome-app/NOTES.md': 'verified\n',
    });
    commit('Deploy v1.3.0', {
      'apps/my-awesome-app/deployment.yaml': deployment.replace(
        'v1.2.2',
        'v1.3.0',
      ),
    });
    commit('Add a sidecar config', {
      'apps/my-awesome-app/sidecar.yaml': 'kind: ConfigMap\n',
    });
    commit('Other app', { 'README.md': 'other team\n' });

    const input = { repository: repo.url, path: 'apps/my-awesome-app' };
    const out = await runAction(revertAction, input, {
      runId: 'run-7',
      stepId: 'rollback',
    });
    expect(out).toEqual({
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      changed: true,
      url: '',
      revertedTo: good,
    });
    expect(repo.read('apps/my-awesome-app/deployment.yaml')).toContain(
      'my-awesome-app:v1.2.2',
    );
    expect(() => repo.read('apps/my-awesome-app/sidecar.yaml')).toThrow(); // added after: removed
    expect(repo.read('README.md')).toBe('other team'); // outside the path: kept
    const message = sh(
      repo.root,
      '--git-dir',
      repo.bare,
      'log',
      '-1',
      '--format=%B',
      'main',
    );
    expect(message).toContain('Revert apps/my-awesome-app');
    expect(message).toContain('M apps/my-awesome-app/deployment.yaml');
    expect(message).toContain('D apps/my-awesome-app/sidecar.yaml');
    expect(message).toContain(
      `Back to ${good.slice(0, 12)} (Deploy v1.2.2 verified).`,
    );
    expect(message).toContain('Event-Orchestration-Key: run-7:rollback');

    // The same step again: its commit is reported. Another run: nothing left to revert.
    expect(
      await runAction(revertAction, input, {
        runId: 'run-7',
        stepId: 'rollback',
      }),
    ).toMatchObject({ commitSha: out.commitSha });
    expect(
      await runAction(revertAction, input, {
        runId: 'run-8',
        stepId: 'rollback',
      }),
    ).toMatchObject({ changed: false, commitSha: '' });
    expect(repo.log()).toHaveLength(6);

    // To a given commit, the whole repository.
    const initial = repo.log()[5].slice(0, 40);
    await runAction(
      revertAction,
      { repository: repo.url, toCommit: initial },
      { runId: 'run-9', stepId: 'rollback' },
    );
    expect(() => repo.read('apps/my-awesome-app/NOTES.md')).toThrow();
    expect(() => repo.read('README.md')).toThrow();
    await expect(
      runAction(
        revertAction,
        { repository: repo.url, knownGood: 'Known-Good: never' },
        { runId: 'run-10', stepId: 'r' },
      ),
    ).rejects.toThrow(
      /no commit of file:\/\/.*@main touching \. says 'Known-Good: never'/,
    );
    await expect(
      runAction(
        revertAction,
        { repository: repo.url, toCommit: 'deadbeef' },
        { runId: 'run-11', stepId: 'r' },
      ),
    ).rejects.toThrow(/commit deadbeef is not in file:/);
  });

  it('gitops:commit-files writes new and changed files as one commit, once per step, and nothing when all are as given', async () => {
    const workflow = 'name: ci\non: [push]\njobs: {}\n';
    const input = {
      repository: repo.url,
      message: 'Add CI pipeline and catalog entry',
      files: [
        { path: '.github/workflows/ci.yaml', content: workflow },
        { path: 'apps/my-awesome-app/values.yaml', content: 'image: {}\n' },
        {
          path: 'apps/my-awesome-app/kustomization.yaml',
          content: kustomization,
        },
      ],
    };
    const first = await runAction(commitFilesAction, input);
    expect(first).toEqual({
      commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
      changed: true,
      url: '',
      files: ['.github/workflows/ci.yaml', 'apps/my-awesome-app/values.yaml'],
    });
    expect(repo.read('.github/workflows/ci.yaml')).toBe(workflow.trim());
    expect(repo.read('apps/my-awesome-app/values.yaml')).toBe('image: {}');
    const message = sh(
      repo.root,
      '--git-dir',
      repo.bare,
      'log',
      '-1',
      '--format=%B',
      'main',
    );
    expect(message).toContain('Add CI pipeline and catalog entry');
    expect(message).toContain('A .github/workflows/ci.yaml');
    expect(message).toContain('M apps/my-awesome-app/values.yaml');
    expect(message).toContain('Event-Orchestration-Key: run-1:deploy');

    // A redelivery of the step reports its commit with the same files.
    expect(await runAction(commitFilesAction, input)).toEqual(first);
    // Another run with the same files: nothing to commit.
    expect(
      await runAction(commitFilesAction, input, {
        runId: 'run-2',
        stepId: 'deploy',
      }),
    ).toEqual({ commitSha: '', changed: false, url: '', files: [] });
    expect(repo.log()).toHaveLength(2);

    await expect(
      runAction(commitFilesAction, {
        ...input,
        files: [{ path: '../outside.txt', content: 'x' }],
      }),
    ).rejects.toThrow(
      "file '../outside.txt' must be a relative path inside the repository",
    );
    await expect(
      runAction(commitFilesAction, {
        ...input,
        files: [
          { path: 'a.txt', content: 'x' },
          { path: './a.txt', content: 'y' },
        ],
      }),
    ).rejects.toThrow("file 'a.txt' is given twice");
    expect(() =>
      commitFilesAction.schema.input.parse({ ...input, files: [] }),
    ).toThrow(/at least 1/);
    expect(repo.log()).toHaveLength(2);
  });

  it('refuses paths outside the repository and names what is missing', async () => {
    await expect(
      runAction(setImageAction, {
        repository: repo.url,
        file: '../../etc/passwd',
        image: 'x',
        tag: 'v1',
      }),
    ).rejects.toThrow(
      "file '../../etc/passwd' must be a relative path inside the repository",
    );
    await expect(
      runAction(setImageAction, {
        repository: repo.url,
        file: 'apps/my-awesome-app/deployment.yaml',
        image: 'ghcr.io/acme/other',
        tag: 'v1',
      }),
    ).rejects.toThrow(
      "no container image, kustomize image or values entry named 'ghcr.io/acme/other' in the file",
    );
    await expect(
      runAction(setImageAction, {
        repository: repo.url,
        file: 'nope.yaml',
        image: 'x',
        tag: 'v1',
      }),
    ).rejects.toThrow(/file 'nope.yaml' does not exist in file:\/\/.*@main/);
    expect(() =>
      setReplicasAction.schema.input.parse({
        repository: 'r',
        file: 'f',
        replicas: 2,
        increment: 1,
      }),
    ).toThrow(/exactly one of replicas, increment/);
    expect(repo.log()).toHaveLength(1);
  });
});
