import http from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { runActionForTest } from '../../__testUtils__/runAction';
import { createGitopsActions } from './gitopsActions';
import { createGitHubResolver } from './githubProvider';

// Real git processes: on 2 cores shared with other suites one case can take over jest's 5 s default.
jest.setTimeout(30_000);

const TOKEN = 'ghp_test_token';
const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-awesome-app
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/my-awesome-app:v1.2.2
`;

const blobSha = (text: string) =>
  createHash('sha1')
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest('hex');

/**
 * A stand-in for the parts of GitHub's REST API the provider uses — repository,
 * commits list, contents read and write — answering with the documented payload
 * shapes (base64 content split in lines, blob shas, 409 on a stale sha).
 */
async function startGitHub() {
  const files = new Map<string, string>([
    ['apps/my-awesome-app/deployment.yaml', manifest],
  ]);
  const commits: Array<{
    sha: string;
    html_url: string;
    commit: { message: string };
  }> = [];
  const requests: Array<{
    method: string;
    path: string;
    auth?: string;
    body?: any;
  }> = [];
  let beforeNextWrite: (() => void) | undefined;
  const send = (res: http.ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const pathname = decodeURIComponent(url.pathname); // octokit sends the file path's slashes as %2F
      requests.push({
        method: req.method!,
        path: `${pathname}${url.search}`,
        auth: req.headers.authorization,
        body: raw ? JSON.parse(raw) : undefined,
      });
      if (req.headers.authorization !== `token ${TOKEN}`) {
        send(res, 401, {
          message: 'Bad credentials',
          documentation_url: 'https://docs.github.com/rest',
        });
        return;
      }
      const m = pathname.match(
        /^\/repos\/acme\/gitops(?:\/(commits|contents)(?:\/(.*))?)?$/,
      );
      if (!m) {
        send(res, 404, {
          message: 'Not Found',
          documentation_url: 'https://docs.github.com/rest',
        });
        return;
      }
      const [, kind, file] = m;
      if (!kind) {
        send(res, 200, {
          id: 1,
          name: 'gitops',
          full_name: 'acme/gitops',
          default_branch: 'main',
        });
      } else if (kind === 'commits') {
        send(
          res,
          200,
          [...commits]
            .reverse()
            .slice(0, Number(url.searchParams.get('per_page') ?? 30)),
        );
      } else if (req.method === 'GET') {
        const text = files.get(file!);
        if (text === undefined)
          send(res, 404, {
            message: 'Not Found',
            documentation_url: 'https://docs.github.com/rest/repos/contents',
          });
        else {
          const b64 = Buffer.from(text)
            .toString('base64')
            .replace(/(.{60})/g, '$1\n');
          send(res, 200, {
            type: 'file',
            encoding: 'base64',
            name: file!.split('/').pop(),
            path: file,
            sha: blobSha(text),
            content: b64,
          });
        }
      } else if (req.method === 'PUT') {
        beforeNextWrite?.();
        beforeNextWrite = undefined;
        const body = JSON.parse(raw);
        const current = files.get(file!);
        if (current !== undefined && body.sha !== blobSha(current)) {
          send(res, 409, {
            message: `${file} does not match ${body.sha}`,
            documentation_url: 'https://docs.github.com/rest/repos/contents',
          });
          return;
        }
        const text = Buffer.from(body.content, 'base64').toString('utf8');
        files.set(file!, text);
        const sha = createHash('sha1')
          .update(`${commits.length}${body.message}`)
          .digest('hex');
        const commit = {
          sha,
          html_url: `https://github.com/acme/gitops/commit/${sha}`,
          commit: { message: body.message },
        };
        commits.push(commit);
        send(res, 200, {
          content: {
            name: file!.split('/').pop(),
            path: file,
            sha: blobSha(text),
          },
          commit: { sha, html_url: commit.html_url, message: body.message },
        });
      }
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    apiBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    files,
    commits,
    requests,
    onNextWrite(fn: () => void) {
      beforeNextWrite = fn;
    },
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

describe('gitops actions through the GitHub provider (@octokit/rest)', () => {
  let github: Awaited<ReturnType<typeof startGitHub>>;
  let actions: ReturnType<typeof createGitopsActions>;
  const repository = 'https://github.com/acme/gitops';
  const file = 'apps/my-awesome-app/deployment.yaml';

  beforeEach(async () => {
    github = await startGitHub();
    const resolver = createGitHubResolver(
      new ConfigReader({
        integrations: {
          github: [
            { host: 'github.com', apiBaseUrl: github.apiBaseUrl, token: TOKEN },
          ],
        },
      }),
    );
    actions = createGitopsActions(
      { name: 'Event Orchestration', email: 'edo@example.com' },
      { github: resolver },
    );
  });
  afterEach(() => github.close());

  it('gitops:set-image commits through the contents API with the blob sha, the trailers and the token, once per step', async () => {
    const [setImage] = actions;
    const input = {
      repository,
      file,
      image: 'ghcr.io/acme/my-awesome-app',
      tag: 'v1.2.3',
    };
    const out = await runActionForTest(setImage, input, {
      runId: 'run-1',
      stepId: 'deploy',
    });
    const sha = github.commits[0].sha;
    expect(out).toEqual({
      commitSha: sha,
      changed: true,
      url: `https://github.com/acme/gitops/commit/${sha}`,
    });
    expect(github.files.get(file)).toBe(manifest.replace('v1.2.2', 'v1.2.3'));
    expect(github.requests.map(r => `${r.method} ${r.path}`)).toEqual([
      'GET /repos/acme/gitops',
      'GET /repos/acme/gitops/commits?sha=main&per_page=50',
      `GET /repos/acme/gitops/contents/apps/my-awesome-app/deployment.yaml?ref=main`,
      `PUT /repos/acme/gitops/contents/apps/my-awesome-app/deployment.yaml`,
    ]);
    expect(github.requests.every(r => r.auth === `token ${TOKEN}`)).toBe(true);
    const put = github.requests[3].body;
    expect(put).toEqual({
      branch: 'main',
      sha: blobSha(manifest),
      content: Buffer.from(manifest.replace('v1.2.2', 'v1.2.3')).toString(
        'base64',
      ),
      message: expect.stringContaining(
        'Deploy ghcr.io/acme/my-awesome-app:v1.2.3',
      ),
      committer: { name: 'Event Orchestration', email: 'edo@example.com' },
    });
    expect(put.message).toContain(
      'Event-Orchestration-Run: run-1\nEvent-Orchestration-Key: run-1:deploy',
    );

    // The same step again finds its commit; another run finds nothing to change.
    expect(
      await runActionForTest(setImage, input, {
        runId: 'run-1',
        stepId: 'deploy',
      }),
    ).toEqual(out);
    expect(
      await runActionForTest(setImage, input, {
        runId: 'run-2',
        stepId: 'deploy',
      }),
    ).toEqual({ commitSha: '', changed: false, url: '' });
    expect(github.requests.filter(r => r.method === 'PUT')).toHaveLength(1);
  });

  it('edits again when someone committed the file in between (409), keeping their change', async () => {
    const [, setReplicas] = actions;
    github.onNextWrite(() =>
      github.files.set(
        file,
        github.files.get(file)!.replace('name: app', 'name: app # pinned'),
      ),
    );
    const out = await runActionForTest(setReplicas, {
      repository,
      branch: 'main',
      file,
      increment: 2,
      max: 4,
    });
    expect(out).toMatchObject({ changed: true, replicas: 4 });
    expect(github.files.get(file)).toContain('replicas: 4');
    expect(github.files.get(file)).toContain('name: app # pinned');
    expect(github.requests.filter(r => r.method === 'PUT')).toHaveLength(2);
  });

  it('says clearly what is wrong: a missing file, a bad token', async () => {
    const [setImage] = actions;
    await expect(
      runActionForTest(setImage, {
        repository,
        branch: 'main',
        file: 'apps/nope.yaml',
        image: 'x',
        tag: 'v1',
      }),
    ).rejects.toThrow(
      "file 'apps/nope.yaml' does not exist in github.com/acme/gitops@main",
    );
    const badToken = createGitopsActions(
      { name: 'n', email: 'e' },
      {
        github: createGitHubResolver(
          new ConfigReader({
            integrations: {
              github: [
                {
                  host: 'github.com',
                  apiBaseUrl: github.apiBaseUrl,
                  token: 'wrong',
                },
              ],
            },
          }),
        ),
      },
    );
    await expect(
      runActionForTest(badToken[0], {
        repository,
        branch: 'main',
        file,
        image: 'x',
        tag: 'v1',
      }),
    ).rejects.toThrow(
      'GitHub listing commits of github.com/acme/gitops failed: 401 Bad credentials',
    );
    expect(github.requests.filter(r => r.method === 'PUT')).toHaveLength(0);
  });

  it('leaves hosts without a GitHub integration to plain git', () => {
    const resolve = createGitHubResolver(
      new ConfigReader({
        integrations: { github: [{ host: 'github.com', token: TOKEN }] },
      }),
    );
    expect(resolve('https://github.com/acme/gitops.git')).toMatchObject({
      owner: 'acme',
      repo: 'gitops',
      host: 'github.com',
    });
    expect(resolve('https://git.example.com/acme/gitops.git')).toBeUndefined();
    expect(resolve('file:///srv/gitops.git')).toBeUndefined();
    expect(resolve('git@github.com:acme/gitops.git')).toBeUndefined();
  });
});

/**
 * GitHub's git data API (refs, commits, trees) and commits list, answered from a
 * real bare repository with git itself, so trees and commits are true git
 * objects; `updateRef` refuses what is not a fast-forward with GitHub's 422.
 */
async function startGitHubOverGit(bare: string) {
  const gitIn = (args: string[], env: Record<string, string> = {}) =>
    execFileSync('git', ['--git-dir', bare, ...args], {
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'x',
        GIT_AUTHOR_EMAIL: 'x@x',
        GIT_COMMITTER_NAME: 'x',
        GIT_COMMITTER_EMAIL: 'x@x',
        ...env,
      },
    });
  const requests: string[] = [];
  let beforeNextRefUpdate: (() => void) | undefined;
  const send = (res: http.ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };
  const commitJson = (sha: string) => {
    const [tree, ...message] = gitIn([
      'show',
      '-s',
      '--format=%T%n%B',
      sha,
    ]).split('\n');
    return {
      sha,
      html_url: `https://github.com/acme/gitops/commit/${sha}`,
      tree: { sha: tree },
      message: message.join('\n').trim(),
    };
  };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', c => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const p = decodeURIComponent(url.pathname).replace(
        /^\/repos\/acme\/gitops/,
        '',
      );
      requests.push(`${req.method} ${p}`);
      const body = raw ? JSON.parse(raw) : undefined;
      try {
        if (p === '') return send(res, 200, { default_branch: 'main' });
        if (p === '/commits') {
          const args = [
            'log',
            '--format=%H',
            '-n',
            url.searchParams.get('per_page') ?? '30',
            url.searchParams.get('sha') ?? 'main',
          ];
          if (url.searchParams.get('path'))
            args.push('--', url.searchParams.get('path')!);
          const shas = gitIn(args).trim().split('\n').filter(Boolean);
          return send(
            res,
            200,
            shas.map(sha => {
              const c = commitJson(sha);
              return {
                sha,
                html_url: c.html_url,
                commit: { message: c.message },
              };
            }),
          );
        }
        if (p === '/git/ref/heads/main')
          return send(res, 200, {
            ref: 'refs/heads/main',
            object: {
              type: 'commit',
              sha: gitIn(['rev-parse', 'main']).trim(),
            },
          });
        let m = p.match(/^\/git\/commits\/([0-9a-f]+)$/);
        if (m && req.method === 'GET') {
          try {
            const sha = gitIn([
              'rev-parse',
              '--verify',
              '--quiet',
              `${m[1]}^{commit}`,
            ]).trim();
            return send(res, 200, commitJson(sha));
          } catch {
            return send(res, 404, { message: 'Not Found' });
          }
        }
        m = p.match(/^\/git\/trees\/([0-9a-f]+)$/);
        if (m) {
          const entries = gitIn(['ls-tree', '-r', '-t', m[1]])
            .trim()
            .split('\n')
            .filter(Boolean)
            .map(line => {
              const [meta, file] = line.split('\t');
              const [mode, type, sha] = meta.split(' ');
              return { path: file, mode, type, sha };
            });
          return send(res, 200, { sha: m[1], tree: entries, truncated: false });
        }
        if (p === '/git/trees' && req.method === 'POST') {
          const index = path.join(
            os.tmpdir(),
            `edo-index-${Date.now()}-${Math.random()}`,
          );
          const env = { GIT_INDEX_FILE: index };
          gitIn(['read-tree', body.base_tree], env);
          for (const entry of body.tree) {
            const existing = gitIn(['ls-files', '-s', '--', entry.path], env)
              .trim()
              .split('\n')
              .filter(Boolean);
            if (existing.length > 0) {
              // Mode 0 removes an index entry; works without a work tree.
              execFileSync(
                'git',
                ['--git-dir', bare, 'update-index', '--index-info'],
                {
                  input: existing
                    .map(
                      line => `0 ${'0'.repeat(40)}\t${line.split('\t')[1]}\n`,
                    )
                    .join(''),
                  env: { ...process.env, ...env },
                },
              );
            }
            if (entry.content !== undefined && !entry.sha) {
              // A tree entry with `content`: GitHub stores it as a new blob.
              entry.sha = execFileSync(
                'git',
                ['--git-dir', bare, 'hash-object', '-w', '--stdin'],
                { input: entry.content, encoding: 'utf8' },
              ).trim();
            }
            if (entry.sha) {
              const blobs =
                entry.type === 'tree'
                  ? gitIn(['ls-tree', '-r', entry.sha])
                      .trim()
                      .split('\n')
                      .filter(Boolean)
                      .map(line => {
                        const [meta, file] = line.split('\t');
                        const [mode, , sha] = meta.split(' ');
                        return `${mode} ${sha}\t${entry.path}/${file}\n`;
                      })
                  : [`${entry.mode} ${entry.sha}\t${entry.path}\n`];
              execFileSync(
                'git',
                ['--git-dir', bare, 'update-index', '--add', '--index-info'],
                {
                  input: blobs.join(''),
                  env: { ...process.env, ...env },
                },
              );
            }
          }
          const sha = gitIn(['write-tree'], env).trim();
          fs.rmSync(index, { force: true });
          return send(res, 201, { sha, tree: [] });
        }
        if (p === '/git/commits' && req.method === 'POST') {
          const sha = gitIn(
            [
              'commit-tree',
              body.tree,
              ...body.parents.flatMap((x: string) => ['-p', x]),
              '-m',
              body.message,
            ],
            {
              GIT_AUTHOR_NAME: body.author?.name ?? 'x',
              GIT_AUTHOR_EMAIL: body.author?.email ?? 'x@x',
            },
          ).trim();
          return send(res, 201, commitJson(sha));
        }
        if (p === '/git/refs/heads/main' && req.method === 'PATCH') {
          beforeNextRefUpdate?.();
          beforeNextRefUpdate = undefined;
          const current = gitIn(['rev-parse', 'main']).trim();
          try {
            gitIn(['merge-base', '--is-ancestor', current, body.sha]);
          } catch {
            return send(res, 422, {
              message: 'Update is not a fast forward',
              documentation_url: 'https://docs.github.com/rest/git/refs',
            });
          }
          gitIn(['update-ref', 'refs/heads/main', body.sha, current]);
          return send(res, 200, {
            ref: 'refs/heads/main',
            object: { type: 'commit', sha: body.sha },
          });
        }
        return send(res, 404, { message: 'Not Found' });
      } catch (error) {
        return send(res, 500, { message: String(error) });
      }
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    apiBaseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    onNextRefUpdate(fn: () => void) {
      beforeNextRefUpdate = fn;
    },
    close: () => new Promise<void>(r => server.close(() => r())),
  };
}

describe('gitops:revert through the GitHub provider (git data API)', () => {
  it('restores a path to the known-good commit as one commit, again on a moved branch, once per step', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-gh-revert-'));
    const bare = path.join(root, 'gitops.git');
    const work = path.join(root, 'work');
    const sh = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: work,
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@t',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@t',
        },
      }).trim();
    execFileSync('git', [
      'init',
      '--quiet',
      '--bare',
      '--initial-branch=main',
      bare,
    ]);
    execFileSync('git', ['clone', '--quiet', bare, work]);
    const commit = (message: string, files: Record<string, string | null>) => {
      for (const [file, text] of Object.entries(files)) {
        if (text === null) fs.rmSync(path.join(work, file));
        else {
          fs.mkdirSync(path.dirname(path.join(work, file)), {
            recursive: true,
          });
          fs.writeFileSync(path.join(work, file), text);
        }
      }
      sh('add', '-A');
      sh('commit', '--quiet', '-m', message);
      sh('push', '--quiet', 'origin', 'HEAD:main');
      return sh('rev-parse', 'HEAD');
    };
    commit('initial', {
      'apps/my-awesome-app/deployment.yaml': manifest,
      'README.md': 'gitops\n',
    });
    const good = commit('Deploy v1.2.2 verified\n\nKnown-Good: true', {
      'apps/my-awesome-app/NOTES.md': 'ok\n',
    });
    commit('Deploy v1.3.0', {
      'apps/my-awesome-app/deployment.yaml': manifest.replace(
        'v1.2.2',
        'v1.3.0',
      ),
    });
    commit('Add a sidecar', {
      'apps/my-awesome-app/sidecar.yaml': 'kind: ConfigMap\n',
    });
    const github = await startGitHubOverGit(bare);
    try {
      const [, , revert] = createGitopsActions(
        { name: 'Event Orchestration', email: 'edo@example.com' },
        {
          github: createGitHubResolver(
            new ConfigReader({
              integrations: {
                github: [
                  {
                    host: 'github.com',
                    apiBaseUrl: github.apiBaseUrl,
                    token: TOKEN,
                  },
                ],
              },
            }),
          ),
        },
      );
      // Someone pushes to another app just before our ref update: GitHub says 422.
      github.onNextRefUpdate(() =>
        commit('Other app', { 'apps/other/values.yaml': 'x: 1\n' }),
      );
      const input = {
        repository: 'https://github.com/acme/gitops',
        path: 'apps/my-awesome-app',
      };
      const out = await runActionForTest(revert, input, {
        runId: 'run-7',
        stepId: 'rollback',
      });
      expect(out).toEqual({
        commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
        changed: true,
        url: `https://github.com/acme/gitops/commit/${out.commitSha}`,
        revertedTo: good,
      });
      const show = (spec: string) =>
        execFileSync('git', ['--git-dir', bare, 'show', spec], {
          encoding: 'utf8',
        });
      expect(show('main:apps/my-awesome-app/deployment.yaml')).toBe(manifest);
      expect(() => show('main:apps/my-awesome-app/sidecar.yaml')).toThrow();
      expect(show('main:apps/other/values.yaml')).toBe('x: 1\n'); // the concurrent commit is kept
      const message = execFileSync(
        'git',
        ['--git-dir', bare, 'log', '-1', '--format=%B', 'main'],
        { encoding: 'utf8' },
      );
      expect(message).toContain(
        'Revert apps/my-awesome-app\n\nM apps/my-awesome-app/deployment.yaml\nD apps/my-awesome-app/sidecar.yaml',
      );
      expect(message).toContain(
        `Back to ${good.slice(0, 12)} (Deploy v1.2.2 verified).`,
      );
      expect(message).toContain('Event-Orchestration-Key: run-7:rollback');
      expect(
        github.requests.filter(r => r === 'PATCH /git/refs/heads/main'),
      ).toHaveLength(2);

      // Same step again: its commit. Another run: nothing left to revert.
      expect(
        await runActionForTest(revert, input, {
          runId: 'run-7',
          stepId: 'rollback',
        }),
      ).toMatchObject({ commitSha: out.commitSha });
      expect(
        await runActionForTest(revert, input, {
          runId: 'run-8',
          stepId: 'rollback',
        }),
      ).toMatchObject({ changed: false, revertedTo: good });
      await expect(
        runActionForTest(
          revert,
          { ...input, toCommit: 'deadbeef' },
          { runId: 'run-9', stepId: 'r' },
        ),
      ).rejects.toThrow('commit deadbeef is not in github.com/acme/gitops');
      expect(
        execFileSync(
          'git',
          ['--git-dir', bare, 'rev-list', '--count', 'main'],
          { encoding: 'utf8' },
        ).trim(),
      ).toBe('6');
    } finally {
      await github.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('gitops:commit-files through the GitHub provider (git data API)', () => {
  it('writes the files as one commit (blobs by content), again on a moved branch, once per step', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edo-gh-files-'));
    const bare = path.join(root, 'app.git');
    const work = path.join(root, 'work');
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    };
    const sh = (...args: string[]) =>
      execFileSync('git', args, { cwd: work, encoding: 'utf8', env }).trim();
    execFileSync('git', [
      'init',
      '--quiet',
      '--bare',
      '--initial-branch=main',
      bare,
    ]);
    execFileSync('git', ['clone', '--quiet', bare, work]);
    fs.writeFileSync(path.join(work, 'README.md'), 'app\n');
    sh('add', '-A');
    sh('commit', '--quiet', '-m', 'initial');
    sh('push', '--quiet', 'origin', 'HEAD:main');
    const github = await startGitHubOverGit(bare);
    try {
      const commitFiles = createGitopsActions(
        { name: 'Event Orchestration', email: 'edo@example.com' },
        {
          github: createGitHubResolver(
            new ConfigReader({
              integrations: {
                github: [
                  {
                    host: 'github.com',
                    apiBaseUrl: github.apiBaseUrl,
                    token: TOKEN,
                  },
                ],
              },
            }),
          ),
        },
      ).find(a => a.id === 'gitops:commit-files')!;
      github.onNextRefUpdate(() => {
        fs.writeFileSync(path.join(work, 'CHANGELOG.md'), 'x\n');
        sh('add', '-A');
        sh('commit', '--quiet', '-m', 'someone else');
        sh('push', '--quiet', 'origin', 'HEAD:main');
      });
      const input = {
        repository: 'https://github.com/acme/gitops',
        message: 'Add CI pipeline',
        files: [
          { path: '.github/workflows/ci.yaml', content: 'name: ci\n' },
          { path: 'README.md', content: 'app\n' },
        ],
      };
      const out = await runActionForTest(commitFiles, input, {
        runId: 'run-3',
        stepId: 'ci',
      });
      expect(out).toEqual({
        commitSha: expect.stringMatching(/^[0-9a-f]{40}$/),
        changed: true,
        url: `https://github.com/acme/gitops/commit/${out.commitSha}`,
        files: ['.github/workflows/ci.yaml'],
      });
      const show = (spec: string) =>
        execFileSync('git', ['--git-dir', bare, 'show', spec], {
          encoding: 'utf8',
        });
      expect(show('main:.github/workflows/ci.yaml')).toBe('name: ci\n');
      expect(show('main:CHANGELOG.md')).toBe('x\n'); // the concurrent commit is kept
      expect(show('main').split('\n')[0]).toBe(`commit ${out.commitSha}`);
      expect(
        github.requests.filter(r => r === 'PATCH /git/refs/heads/main'),
      ).toHaveLength(2);
      expect(
        await runActionForTest(commitFiles, input, {
          runId: 'run-3',
          stepId: 'ci',
        }),
      ).toEqual(out);
      expect(
        await runActionForTest(commitFiles, input, {
          runId: 'run-4',
          stepId: 'ci',
        }),
      ).toEqual({ commitSha: '', changed: false, url: '', files: [] });
      expect(
        execFileSync(
          'git',
          ['--git-dir', bare, 'rev-list', '--count', 'main'],
          {
            encoding: 'utf8',
          },
        ).trim(),
      ).toBe('3');
    } finally {
      await github.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
