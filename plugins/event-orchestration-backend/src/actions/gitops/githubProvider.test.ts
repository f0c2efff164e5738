import http from 'node:http';
import { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { ConfigReader } from '@backstage/config';
import { runActionForTest } from '../../__testUtils__/runAction';
import { createGitopsActions } from './gitopsActions';
import { createGitHubResolver } from './githubProvider';

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

  it('says clearly what is wrong: a missing file, a bad token, a revert over the API', async () => {
    const [setImage, , revert] = actions;
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
    await expect(runActionForTest(revert, { repository })).rejects.toThrow(
      'gitops:revert changes many files at once and works over plain git only',
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
