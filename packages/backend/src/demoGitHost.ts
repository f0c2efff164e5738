import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import express from 'express';
import Router from 'express-promise-router';
import { standInsEnabled } from './standIns';

const run = promisify(execFile);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Pushes of the example are a few KiB; this keeps a stranger from filling the disk in one request. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const tooLarge = `the request body is larger than ${MAX_BODY_BYTES} bytes`;
/**
 * What `git http-backend` serves besides smart HTTP (dumb-HTTP files, and
 * whatever a `..` in the path reaches) stays unreachable: these are the
 * smart-HTTP endpoints, with the method each answers.
 */
const SMART_HTTP_ENDPOINTS: Record<string, string> = {
  '/info/refs': 'GET',
  '/git-upload-pack': 'POST',
  '/git-receive-pack': 'POST',
};

/**
 * A stand-in for a Git host such as GitHub, so that the example templates can
 * commit to "the application's repository" on a laptop:
 *
 * - `<base>/<owner>/<repo>.git` is a Git remote over smart HTTP, served by
 *   git's own `git http-backend` (clone, fetch and push);
 * - `<base>/<owner>/<repo>/raw/<branch>/<path>` answers a file as text, which
 *   is what the catalog reads a catalog-info.yaml from (allowed through
 *   `backend.reading.allow`).
 *
 * Every repository exists: one that is asked for the first time is created
 * bare under `demoGitHost.root` with one commit (a README), as if someone had
 * just created it on GitHub. No authentication: not for production. Only
 * the smart-HTTP endpoints are served, and a request body is at most 10 MiB.
 */
export const demoGitHostPlugin = createBackendPlugin({
  pluginId: 'demo-git',
  register(env) {
    env.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        config: coreServices.rootConfig,
      },
      async init({ httpRouter, logger, config }) {
        if (!standInsEnabled(config, logger, '/api/demo-git')) return;
        const root = path.resolve(
          config.getOptionalString('demoGitHost.root') ?? '../../.data/repos',
        );
        const router = Router();

        /** The bare repository of owner/repo, created with a first commit when new. */
        const repository = async (owner: string, repo: string) => {
          if (!NAME.test(owner) || !NAME.test(repo) || repo.endsWith('.git')) {
            return undefined;
          }
          const dir = path.join(root, owner, `${repo}.git`);
          if (!fs.existsSync(dir)) {
            await createRepository(dir, `${owner}/${repo}`);
            logger.info(`Demo Git host: created ${owner}/${repo}`);
          }
          return dir;
        };

        router.get(
          /^\/([^/]+)\/([^/]+)\/raw\/([^/]+)\/(.+)$/,
          async (req, res) => {
            const [owner, repo, branch, file] = [0, 1, 2, 3].map(
              i => req.params[i],
            );
            const dir = await repository(owner, repo);
            if (!dir || !NAME.test(branch) || file.split('/').includes('..')) {
              res.status(400).json({ error: 'bad repository, branch or path' });
              return;
            }
            try {
              const { stdout } = await run(
                'git',
                ['--git-dir', dir, 'show', `${branch}:${file}`],
                { maxBuffer: 10 * 1024 * 1024 },
              );
              res.type('text/plain').send(stdout);
            } catch {
              res.status(404).json({ error: `${file} is not on ${branch}` });
            }
          },
        );

        // Smart HTTP: /<owner>/<repo>.git/info/refs, /git-upload-pack, /git-receive-pack.
        router.all(/^\/([^/]+)\/([^/]+)\.git(\/.*)$/, async (req, res) => {
          const [owner, repo, rest] = [0, 1, 2].map(i => req.params[i]);
          const method = Object.hasOwn(SMART_HTTP_ENDPOINTS, rest)
            ? SMART_HTTP_ENDPOINTS[rest]
            : undefined;
          if (!method) {
            answerAfterBody(req, res, 404, `${rest} is not served`);
            return;
          }
          if (req.method !== method) {
            res.setHeader('Allow', method);
            answerAfterBody(req, res, 405, `${rest} answers ${method} only`);
            return;
          }
          if (Number(req.headers['content-length']) > MAX_BODY_BYTES) {
            answerAfterBody(req, res, 413, tooLarge);
            return;
          }
          const dir = await repository(owner, repo);
          if (!dir) {
            answerAfterBody(req, res, 400, 'bad repository name');
            return;
          }
          serveGit(req, res, root, `/${owner}/${repo}.git${rest}`);
        });

        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});

async function createRepository(dir: string, name: string) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await run('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir]);
  // Pushes over HTTP without a signed-in user: allowed for this stand-in only.
  await run('git', ['--git-dir', dir, 'config', 'http.receivepack', 'true']);
  const git = (args: string[], input?: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        'git',
        ['--git-dir', dir, ...args],
        {
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Demo Git host',
            GIT_AUTHOR_EMAIL: 'demo-git@example.com',
            GIT_COMMITTER_NAME: 'Demo Git host',
            GIT_COMMITTER_EMAIL: 'demo-git@example.com',
          },
        },
        (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  const blob = await git(['hash-object', '-w', '--stdin'], `# ${name}\n`);
  const tree = await git(['mktree'], `100644 blob ${blob}\tREADME.md\n`);
  const commit = await git(['commit-tree', tree, '-m', 'Initial commit']);
  await git(['update-ref', 'refs/heads/main', commit]);
}

/**
 * Answers once the client has sent its body: answering earlier would reset a
 * connection the client is still writing to, and it would see no answer.
 */
function answerAfterBody(
  req: express.Request,
  res: express.Response,
  status: number,
  error: string,
) {
  const answer = () => {
    if (!res.headersSent) res.status(status).json({ error });
  };
  if (req.readableEnded) {
    answer();
    return;
  }
  req.on('end', answer);
  req.on('error', () => res.destroy());
  req.resume();
}

/** Runs `git http-backend` as a CGI program for one request. */
function serveGit(
  req: express.Request,
  res: express.Response,
  root: string,
  pathInfo: string,
) {
  const query = req.originalUrl.includes('?')
    ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1)
    : '';
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: pathInfo,
      QUERY_STRING: query,
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
      GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      REMOTE_USER: 'demo',
    },
  });
  let head = Buffer.alloc(0);
  let headersSent = false;
  let size = 0;
  let overLimit = false;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES && !overLimit) {
      overLimit = true;
      req.unpipe(child.stdin);
      child.kill();
      if (headersSent) res.destroy();
      else answerAfterBody(req, res, 413, tooLarge);
    }
  });
  req.on('error', () => child.kill());
  // git stops reading when it has answered (or failed): the rest of the body
  // is not needed, and an unhandled EPIPE would end the backend process.
  child.stdin.on('error', () => {});
  req.pipe(child.stdin);
  child.stdout.on('data', (chunk: Buffer) => {
    if (overLimit) return;
    if (headersSent) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    try {
      for (const line of head.subarray(0, end).toString('utf8').split('\r\n')) {
        const colon = line.indexOf(':');
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(key, value);
      }
      res.status(status);
    } catch {
      // A header Node refuses: nothing sensible can follow.
      child.kill();
      res.destroy();
      return;
    }
    headersSent = true;
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => {
    if (!overLimit) res.end();
  });
  child.on('error', () => {
    if (!headersSent && !res.headersSent)
      res.status(500).json({ error: 'git http-backend failed' });
    else res.destroy();
  });
}
