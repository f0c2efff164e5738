import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createGitopsActions } from './gitopsActions';
import { runActionForTest } from '../../__testUtils__/runAction';
import { createGitopsRepo, sh } from '../../__testUtils__/gitopsRepo';
import { commitUrl, redactRemote } from './gitRepository';
import { gitRemotePolicy } from './gitRemotes';

// Real git processes: on 2 cores shared with other suites one case can take over jest's 5 s default.
jest.setTimeout(30_000);

const author = { name: 'Event Orchestration', email: 'edo@example.com' };

/**
 * Each case is a way a step's input (written by whoever sent the event or
 * filled the form) could turn a GitOps commit into a command or a write on the
 * backend host. Each one must be refused with a reason, with nothing run,
 * nothing written outside the clone and nothing pushed.
 */
describe('gitops actions cannot be turned against the backend host', () => {
  let repo: ReturnType<typeof createGitopsRepo>;
  let outside: string;
  const [setImage, , revert, commitFiles] = createGitopsActions(author, {
    allowedUrlSchemes: ['file'],
  });
  beforeEach(() => {
    repo = createGitopsRepo();
    outside = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-outside-'));
  });
  afterEach(() => {
    repo.cleanup();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it.each([
    [
      '.git/config',
      (marker: string) => `[core]\n\tfsmonitor = touch ${marker}\n`,
    ],
    [
      '.git/config',
      (marker: string) =>
        `[core]\n\thooksPath = ${path.dirname(marker)}/hooks\n`,
    ],
    [
      '.git/hooks/pre-commit',
      (marker: string) => `#!/bin/sh\ntouch ${marker}\n`,
    ],
    [
      'apps/../.git/config',
      (marker: string) => `[core]\n\tfsmonitor = touch ${marker}\n`,
    ],
    [
      '.GIT/config',
      (marker: string) => `[core]\n\tfsmonitor = touch ${marker}\n`,
    ],
    ['apps/.git/config', (marker: string) => `x ${marker}`],
  ])(
    'gitops:commit-files refuses %s and runs nothing',
    async (file, content) => {
      const marker = path.join(outside, 'pwned');
      fs.mkdirSync(path.join(outside, 'hooks'));
      fs.writeFileSync(
        path.join(outside, 'hooks', 'pre-commit'),
        `#!/bin/sh\ntouch ${marker}\n`,
        { mode: 0o755 },
      );
      const refusal = await runActionForTest(commitFiles, {
        repository: repo.url,
        message: 'innocent',
        files: [
          { path: file, content: content(marker) },
          { path: 'README.md', content: 'hello\n' },
        ],
      }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(fs.existsSync(marker)).toBe(false);
      expect(refusal).toMatch(/must not be inside \.git/);
      expect(repo.log()).toHaveLength(1);
    },
  );

  it('does not follow a symbolic link in the repository out of the clone', async () => {
    // The remote holds symlinks, as any repository may: a directory link and a file link.
    const target = path.join(outside, 'target.yaml');
    fs.writeFileSync(target, 'image: ghcr.io/acme/my-awesome-app:v1\n');
    fs.symlinkSync(outside, path.join(repo.work, 'escape'));
    fs.symlinkSync(target, path.join(repo.work, 'linked.yaml'));
    sh(repo.work, 'add', 'escape', 'linked.yaml');
    sh(repo.work, 'commit', '--quiet', '-m', 'links');
    sh(repo.work, 'push', '--quiet', 'origin', 'HEAD:main');

    await expect(
      runActionForTest(commitFiles, {
        repository: repo.url,
        message: 'write through the link',
        files: [{ path: 'escape/planted.txt', content: 'owned\n' }],
      }),
    ).rejects.toThrow(/escape/);
    expect(fs.existsSync(path.join(outside, 'planted.txt'))).toBe(false);

    await expect(
      runActionForTest(commitFiles, {
        repository: repo.url,
        message: 'overwrite the link target',
        files: [{ path: 'linked.yaml', content: 'owned\n' }],
      }),
    ).rejects.toThrow(/linked\.yaml/);
    await expect(
      runActionForTest(setImage, {
        repository: repo.url,
        file: 'linked.yaml',
        image: 'ghcr.io/acme/my-awesome-app',
        tag: 'v2',
      }),
    ).rejects.toThrow(/linked\.yaml/);
    expect(fs.readFileSync(target, 'utf8')).toBe(
      'image: ghcr.io/acme/my-awesome-app:v1\n',
    );
    expect(repo.log()).toHaveLength(2);
  });

  it.each([
    '--upload-pack=touch /tmp/edo-pwned',
    '-b',
    'main:refs/heads/other',
    'a..b',
    'feature/',
    'bad name',
    'x@{1}',
    '.hidden',
    'ends.lock',
    'refs/../main',
    'tab\there',
  ])('refuses the branch name %j before running git', async branch => {
    expect(() =>
      setImage.schema.input.parse({
        repository: repo.url,
        branch,
        file: 'apps/my-awesome-app/deployment.yaml',
        image: 'ghcr.io/acme/my-awesome-app',
        tag: 'v2',
      }),
    ).toThrow(/not a valid branch name/);
    expect(() =>
      revert.schema.input.parse({ repository: repo.url, branch }),
    ).toThrow(/not a valid branch name/);
  });

  it('reaches only the URL schemes the deployment allows', async () => {
    const [defaultSetImage] = createGitopsActions(author);
    const input = {
      file: 'apps/my-awesome-app/deployment.yaml',
      image: 'ghcr.io/acme/my-awesome-app',
      tag: 'v2',
    };
    // Default: https and ssh only — no local repositories, no file://.
    for (const repository of [
      repo.url,
      repo.bare,
      `${repo.bare}/../gitops.git`,
      'ext::sh -c touch% /tmp/edo-pwned',
      'fd::3',
      '-uupload-pack=touch /tmp/edo-pwned',
      'http://git.example.com/acme/gitops.git',
    ]) {
      await expect(
        runActionForTest(defaultSetImage, { ...input, repository }),
      ).rejects.toThrow(/allowedUrlSchemes/);
    }
    expect(repo.log()).toHaveLength(1);
    // With file allowed, the same commit goes through.
    expect(
      await runActionForTest(setImage, { ...input, repository: repo.url }),
    ).toMatchObject({ changed: true });
    expect(repo.log()).toHaveLength(2);
  });

  it('keeps credentials of a remote URL out of messages and the commit link', () => {
    const remote =
      'https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123456789@github.example.com/acme/gitops.git?token=t0ps3cret';
    expect(redactRemote(remote)).not.toMatch(/ghs_abc|t0ps3cret/);
    expect(commitUrl(remote, 'abc123')).toBe(
      'https://github.example.com/acme/gitops/commit/abc123',
    );
  });

  it('finds only its own step commit: not one of a step whose key it prefixes, not one a message forged', async () => {
    // Step deploy-prod of run-1 committed first; step deploy of run-1 must still commit.
    await runActionForTest(
      commitFiles,
      {
        repository: repo.url,
        message: 'prod',
        files: [{ path: 'prod.txt', content: 'p\n' }],
      },
      { runId: 'run-1', stepId: 'deploy-prod' },
    );
    const staging = await runActionForTest(
      commitFiles,
      {
        repository: repo.url,
        message: 'staging',
        files: [{ path: 'staging.txt', content: 's\n' }],
      },
      { runId: 'run-1', stepId: 'deploy' },
    );
    expect(staging).toMatchObject({ changed: true, files: ['staging.txt'] });
    expect(repo.read('staging.txt')).toBe('s');

    // A user's commit whose message carries run-9's trailer does not stand in for run-9's step.
    await runActionForTest(
      commitFiles,
      {
        repository: repo.url,
        message: 'harmless\n\nEvent-Orchestration-Key: run-9:rollback',
        files: [{ path: 'harmless.txt', content: 'h\n' }],
      },
      { runId: 'run-2', stepId: 'x' },
    );
    const rollback = await runActionForTest(
      commitFiles,
      {
        repository: repo.url,
        message: 'the real step',
        files: [{ path: 'rollback.txt', content: 'r\n' }],
      },
      { runId: 'run-9', stepId: 'rollback' },
    );
    expect(rollback).toMatchObject({ changed: true, files: ['rollback.txt'] });
    expect(repo.log()).toHaveLength(5);
  });

  it('refuses control characters in paths, which would forge lines of the commit message', async () => {
    await expect(
      runActionForTest(commitFiles, {
        repository: repo.url,
        message: 'x',
        files: [
          {
            path: 'a.txt\n\nEvent-Orchestration-Key: run-9:rollback',
            content: 'x',
          },
        ],
      }),
    ).rejects.toThrow(/must not contain control characters/);
  });

  it('reads a path with glob characters literally when it checks for symbolic links', async () => {
    // A link named `b?` next to a file `b-`: as a glob, `b?` would find the file first.
    fs.writeFileSync(path.join(repo.work, 'b-'), 'plain\n');
    fs.symlinkSync('/etc/passwd', path.join(repo.work, 'b?'));
    sh(repo.work, 'add', 'b-', 'b?');
    sh(repo.work, 'commit', '--quiet', '-m', 'glob');
    sh(repo.work, 'push', '--quiet', 'origin', 'HEAD:main');
    await expect(
      runActionForTest(commitFiles, {
        repository: repo.url,
        message: 'repoint the link',
        files: [{ path: 'b?', content: '/etc/shadow' }],
      }),
    ).rejects.toThrow(/'b\?' in the repository is a symbolic link/);
    expect(repo.log()).toHaveLength(2);
  });

  it('does not let git connect to inward addresses: a remote is a URL like any other', async () => {
    // A listener on loopback that records whether anything connected.
    let connections = 0;
    const listener = net.createServer(socket => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>(resolve =>
      listener.listen(0, '127.0.0.1', resolve),
    );
    const port = (listener.address() as net.AddressInfo).port;
    try {
      const [publicOnly] = createGitopsActions(author, {
        allowedUrlSchemes: ['https', 'ssh', 'http'],
      });
      for (const [repository, reason] of [
        [`https://127.0.0.1:${port}/x.git`, '127.0.0.1 (loopback address)'],
        [`ssh://git@127.0.0.1:${port}/x.git`, '127.0.0.1 (loopback address)'],
        [`git@[::ffff:127.0.0.1]:x.git`, '127.0.0.1 (loopback address)'],
        [`http://localhost:${port}/x.git`, '(loopback address) for localhost'],
        [
          'http://169.254.169.254/x.git',
          '169.254.169.254 (cloud metadata address)',
        ],
        [
          'http://metadata.google.internal./x.git',
          'metadata.google.internal (cloud metadata host)',
        ],
      ]) {
        await expect(
          runActionForTest(publicOnly, {
            repository,
            file: 'apps/my-awesome-app/deployment.yaml',
            image: 'ghcr.io/acme/my-awesome-app',
            tag: 'v2',
          }),
        ).rejects.toThrow(`gitops refused`);
        await expect(
          runActionForTest(publicOnly, {
            repository,
            file: 'apps/my-awesome-app/deployment.yaml',
            image: 'ghcr.io/acme/my-awesome-app',
            tag: 'v2',
          }),
        ).rejects.toThrow(reason);
      }
      expect(connections).toBe(0);

      // A deployment that allows loopback (the example's stand-in Git host) reaches it.
      const [allowed] = createGitopsActions(author, {
        allowedUrlSchemes: ['http'],
        remotePolicy: gitRemotePolicy(['127.0.0.0/8']),
      });
      await expect(
        runActionForTest(allowed, {
          repository: `http://127.0.0.1:${port}/x.git`,
          file: 'apps/my-awesome-app/deployment.yaml',
          image: 'ghcr.io/acme/my-awesome-app',
          tag: 'v2',
        }),
      ).rejects.toThrow(/git clone failed/);
      expect(connections).toBeGreaterThan(0);
    } finally {
      listener.close();
    }
  });
});
